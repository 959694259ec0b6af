// SPDX-License-Identifier: GPL-2.0
// Multiplies a pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_mul(void *ctx)
{
	asm volatile(
		     "r2 = r10;"
		     "r2 *= 2;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
