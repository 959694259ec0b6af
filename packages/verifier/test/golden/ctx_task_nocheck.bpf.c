// SPDX-License-Identifier: GPL-2.0
// Dereferences ctx->task without a NULL check.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ctx_task_nocheck(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 8);"
		     "r0 = *(u32 *)(r2 + 0);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
