// SPDX-License-Identifier: GPL-2.0
// Zero stored into the stack and read back.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_const_zero(void *ctx)
{
	asm volatile(
		     "r2 = 0;"
		     "*(u64 *)(r10 - 16) = r2;"
		     "r0 = *(u64 *)(r10 - 16);"
		     "exit;"
		     ::: "memory");
}
