// SPDX-License-Identifier: GPL-2.0
// A comparison of two unknown registers.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int jmp_reg_refine(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r3 = r2;"
		     "r3 &= 0xff;"
		     "r4 = r2;"
		     "r4 >>= 56;"
		     "if r3 > r4 goto l1_%=;"
		     "r5 = r3;"
		     "r0 = 0;"
		     "exit;"
		     "l1_%=:\n"
		     "r5 = r4;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
