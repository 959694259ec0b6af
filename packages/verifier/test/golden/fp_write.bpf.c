// SPDX-License-Identifier: GPL-2.0
// r10 = 0 (encoded by hand): the frame pointer is read-only.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int fp_write(void *ctx)
{
	asm volatile(
		     ".quad 0x0000000000000ab7\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
