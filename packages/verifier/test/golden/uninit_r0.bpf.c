// SPDX-License-Identifier: GPL-2.0
// Exits without setting r0.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int uninit_r0(void *ctx)
{
	asm volatile(
		     "exit;"
		     ::: "memory");
}
