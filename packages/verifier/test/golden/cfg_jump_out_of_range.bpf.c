// SPDX-License-Identifier: GPL-2.0
// goto +5 past the end (encoded by hand).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int cfg_jump_out_of_range(void *ctx)
{
	asm volatile(
		     "r0 = 0;"
		     ".quad 0x0000000000050005\n"
		     "exit;"
		     ::: "memory");
}
