// SPDX-License-Identifier: GPL-2.0
// bpf_seq_write with ctx->task (nullable) as the seq_file.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int helper_nullable_seq(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 8);"
		     "r1 = r2;"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 0;"
		     "*(u64 *)(r10 - 8) = r3;"
		     "r3 = 8;"
		     "call 127;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
