// SPDX-License-Identifier: GPL-2.0
// Reads r3, never written.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int uninit_reg(void *ctx)
{
	asm volatile(
		     "r0 = r3;"
		     "exit;"
		     ::: "memory");
}
