// SPDX-License-Identifier: GPL-2.0
// Loads through ctx + 8.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ctx_modified_access(void *ctx)
{
	asm volatile(
		     "r1 += 8;"
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
