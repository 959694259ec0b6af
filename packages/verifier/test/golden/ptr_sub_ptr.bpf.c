// SPDX-License-Identifier: GPL-2.0
// The difference of two stack pointers is an unknown scalar.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_sub_ptr(void *ctx)
{
	asm volatile(
		     "r2 = r10;"
		     "r3 = r10;"
		     "r3 += -8;"
		     "r2 -= r3;"
		     "r0 = r2;"
		     "r0 &= 1;"
		     "exit;"
		     ::: "memory");
}
