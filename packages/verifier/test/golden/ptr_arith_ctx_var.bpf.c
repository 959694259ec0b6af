// SPDX-License-Identifier: GPL-2.0
// Adds an unknown scalar to ctx.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_arith_ctx_var(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r1 += r2;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
