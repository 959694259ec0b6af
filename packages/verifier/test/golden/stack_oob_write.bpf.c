// SPDX-License-Identifier: GPL-2.0
// Writes below the 512-byte stack.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int stack_oob_write(void *ctx)
{
	asm volatile(
		     "r2 = 0;"
		     "*(u64 *)(r10 - 520) = r2;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
