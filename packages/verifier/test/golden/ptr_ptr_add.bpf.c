// SPDX-License-Identifier: GPL-2.0
// Adds two pointers.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_ptr_add(void *ctx)
{
	asm volatile(
		     "r2 = r10;"
		     "r2 += r1;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
