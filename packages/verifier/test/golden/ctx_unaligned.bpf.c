// SPDX-License-Identifier: GPL-2.0
// ctx reads must be at a multiple of 8.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ctx_unaligned(void *ctx)
{
	asm volatile(
		     "r2 = *(u32 *)(r1 + 4);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
