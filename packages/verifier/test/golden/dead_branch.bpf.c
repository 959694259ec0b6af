// SPDX-License-Identifier: GPL-2.0
// A branch the verifier proves never taken is not explored.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int dead_branch(void *ctx)
{
	asm volatile(
		     "r1 = 5;"
		     "if r1 > 10 goto l1_%=;"
		     "r0 = 0;"
		     "exit;"
		     "l1_%=:"
		     "r0 = r3;"
		     "exit;"
		     ::: "memory");
}
