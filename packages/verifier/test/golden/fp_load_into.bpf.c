// SPDX-License-Identifier: GPL-2.0
// A load into r10 (encoded by hand).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int fp_load_into(void *ctx)
{
	asm volatile(
		     ".quad 0x0000000000001a79\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
