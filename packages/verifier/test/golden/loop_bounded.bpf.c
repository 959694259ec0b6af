// SPDX-License-Identifier: GPL-2.0
// A loop with 10 iterations.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int loop_bounded(void *ctx)
{
	asm volatile(
		     "r1 = 0;"
		     "l0_%=:"
		     "r1 += 1;"
		     "if r1 < 10 goto l0_%=;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
