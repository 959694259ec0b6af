// SPDX-License-Identifier: GPL-2.0
// Returns a pointer from an iterator program.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_leak_ret(void *ctx)
{
	asm volatile(
		     "r0 = r1;"
		     "exit;"
		     ::: "memory");
}
