// SPDX-License-Identifier: GPL-2.0
// Passes a number as the data pointer of bpf_seq_write.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int seq_write_scalar_data(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r2 = 5;"
		     "r3 = 8;"
		     "call 127;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
