// SPDX-License-Identifier: GPL-2.0
// Opcode 0xff (encoded by hand).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int cfg_unknown_opcode(void *ctx)
{
	asm volatile(
		     "r0 = 0;"
		     ".quad 0x00000000000000ff\n"
		     "exit;"
		     ::: "memory");
}
