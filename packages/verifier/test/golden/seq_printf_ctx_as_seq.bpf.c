// SPDX-License-Identifier: GPL-2.0
// Passes ctx where bpf_seq_printf wants the seq_file.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int seq_printf_ctx_as_seq(void *ctx)
{
	asm volatile(
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 0;"
		     "*(u64 *)(r10 - 8) = r3;"
		     "r3 = 8;"
		     "r4 = 0;"
		     "r5 = 0;"
		     "call 126;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
