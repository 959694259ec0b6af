// SPDX-License-Identifier: GPL-2.0
// Pointer arithmetic on ctx->task before its NULL check.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_arith_nullable(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 8);"
		     "r2 += 8;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
