// SPDX-License-Identifier: GPL-2.0
// Subtracts from a stack pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int stack_sub_fp(void *ctx)
{
	asm volatile(
		     "r2 = r10;"
		     "r2 -= 8;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
