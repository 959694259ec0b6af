// SPDX-License-Identifier: GPL-2.0
// bpf_seq_printf with data_len 4: not a multiple of 8, which the helper (not the verifier) refuses at run time.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int seq_printf_data_len4(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r2 = 0x0a6425;"
		     "*(u64 *)(r10 - 8) = r2;"
		     "r2 = 7;"
		     "*(u64 *)(r10 - 16) = r2;"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 4;"
		     "r4 = r10;"
		     "r4 += -16;"
		     "r5 = 4;"
		     "call 126;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
