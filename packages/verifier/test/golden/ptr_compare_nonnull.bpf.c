// SPDX-License-Identifier: GPL-2.0
// A checked pointer compared again with NULL: the branch is known.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_compare_nonnull(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 8);"
		     "if r2 == 0 goto l1_%=;"
		     "if r2 != 0 goto l1_%=;"
		     "r0 = 1;"
		     "exit;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
