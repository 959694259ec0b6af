// SPDX-License-Identifier: GPL-2.0
// 32-bit comparisons refine the subregister.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int jmp32_refine(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "if w2 > 100 goto l1_%=;"
		     "r3 = r2;"
		     "if w2 < 50 goto l1_%=;"
		     "r4 = r2;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
