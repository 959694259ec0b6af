// SPDX-License-Identifier: GPL-2.0
// Reads a stack slot never written.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int stack_uninit_read(void *ctx)
{
	asm volatile(
		     "r0 = *(u64 *)(r10 - 8);"
		     "exit;"
		     ::: "memory");
}
