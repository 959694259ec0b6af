// SPDX-License-Identifier: GPL-2.0
// 32-bit arithmetic on a pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr32_arith(void *ctx)
{
	asm volatile(
		     "w1 += 8;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
