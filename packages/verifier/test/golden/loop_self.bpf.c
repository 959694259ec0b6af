// SPDX-License-Identifier: GPL-2.0
// A jump to itself.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int loop_self(void *ctx)
{
	asm volatile(
		     "r0 = 0;"
		     "l0_%=:"
		     "goto l0_%=;"
		     ::: "memory");
}
