// SPDX-License-Identifier: GPL-2.0
// The last instruction is not an exit or a jump.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int cfg_no_exit(void *ctx)
{
	asm volatile(
		     "r0 = 0;"
		     "exit;"
		     "r0 = 1;"
		     ::: "memory");
}
