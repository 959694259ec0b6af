// SPDX-License-Identifier: GPL-2.0
// bpf_seq_write with a length bounded by a branch.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int helper_bounded_len(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r3 = *(u64 *)(r2 + 16);"
		     "if r3 > 8 goto l1_%=;"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r4 = 0;"
		     "*(u64 *)(r10 - 8) = r4;"
		     "call 127;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
