// SPDX-License-Identifier: GPL-2.0
// JEQ makes the register a constant on the taken side.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int jmp_eq_const(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "if r2 == 7 goto l1_%=;"
		     "r0 = 0;"
		     "exit;"
		     "l1_%=:\n"
		     "r3 = r2;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
