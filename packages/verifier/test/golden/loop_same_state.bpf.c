// SPDX-License-Identifier: GPL-2.0
// A loop whose state repeats exactly.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int loop_same_state(void *ctx)
{
	asm volatile(
		     "r0 = 0;"
		     "r1 = 0;"
		     "l0_%=:"
		     "r1 &= 7;"
		     "if r1 < 100 goto l0_%=;"
		     "exit;"
		     ::: "memory");
}
