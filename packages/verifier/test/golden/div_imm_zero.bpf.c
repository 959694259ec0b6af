// SPDX-License-Identifier: GPL-2.0
// Division by the constant 0.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int div_imm_zero(void *ctx)
{
	asm volatile(
		     "r0 = 1;"
		     "r0 /= 0;"
		     "exit;"
		     ::: "memory");
}
