// SPDX-License-Identifier: GPL-2.0
// Returns meta->seq_num.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ret_unknown(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 + 16);"
		     "exit;"
		     ::: "memory");
}
