// SPDX-License-Identifier: GPL-2.0
// Both sides of two conditions refine seq_num; the [2, 4] side is returned.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ret_refined_both(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "if r2 > 1 goto l1_%=;"
		     "r0 = r2;"
		     "exit;"
		     "l1_%=:"
		     "if r2 < 5 goto l2_%=;"
		     "r0 = 0;"
		     "exit;"
		     "l2_%=:"
		     "r0 = r2;"
		     "exit;"
		     ::: "memory");
}
