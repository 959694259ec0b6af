// SPDX-License-Identifier: GPL-2.0
// Returns 2 from an iterator program.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ret_const2(void *ctx)
{
	asm volatile(
		     "r0 = 2;"
		     "exit;"
		     ::: "memory");
}
