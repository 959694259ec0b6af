// SPDX-License-Identifier: GPL-2.0
// Returns seq_num only where a branch proved it is 0 or 1.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ret_refined(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 + 16);"
		     "if r0 > 1 goto l1_%=;"
		     "exit;"
		     "l1_%=:"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
