// SPDX-License-Identifier: GPL-2.0
// Modulo by a register holding 0: r0 %= r1 (encoded by hand for clang 14).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int mod_reg_zero(void *ctx)
{
	asm volatile(
		     "r0 = 1;"
		     "r1 = 0;"
		     ".quad 0x000000000000109f\n"
		     "r0 &= 1;"
		     "exit;"
		     ::: "memory");
}
