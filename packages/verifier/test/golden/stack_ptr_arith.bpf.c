// SPDX-License-Identifier: GPL-2.0
// A stack pointer with a constant offset.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int stack_ptr_arith(void *ctx)
{
	asm volatile(
		     "r2 = r10;"
		     "r2 += -24;"
		     "r3 = 1;"
		     "*(u64 *)(r2 + 8) = r3;"
		     "r0 = *(u64 *)(r10 - 16);"
		     "exit;"
		     ::: "memory");
}
