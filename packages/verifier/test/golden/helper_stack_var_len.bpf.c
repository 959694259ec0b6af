// SPDX-License-Identifier: GPL-2.0
// bpf_seq_write of a stack buffer with a bounded variable length.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int helper_stack_var_len(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r3 = *(u64 *)(r2 + 16);"
		     "r3 &= 15;"
		     "r4 = 0;"
		     "*(u64 *)(r10 - 8) = r4;"
		     "*(u64 *)(r10 - 16) = r4;"
		     "r2 = r10;"
		     "r2 += -16;"
		     "call 127;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
