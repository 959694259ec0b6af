// SPDX-License-Identifier: GPL-2.0
// Signed comparisons refine both sides.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int jmp_signed_refine(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "if r2 s> 10 goto l1_%=;"
		     "if r2 s< -5 goto l1_%=;"
		     "r3 = r2;"
		     "r0 = 0;"
		     "exit;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
