// SPDX-License-Identifier: GPL-2.0
// Division by a register holding 0 is defined (result 0).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int div_by_zero_reg(void *ctx)
{
	asm volatile(
		     "r0 = 1;"
		     "r1 = 0;"
		     "r0 /= r1;"
		     "exit;"
		     ::: "memory");
}
