// SPDX-License-Identifier: GPL-2.0
// Returns seq_num & 3.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ret_masked(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 + 16);"
		     "r0 &= 3;"
		     "exit;"
		     ::: "memory");
}
