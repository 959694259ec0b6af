// SPDX-License-Identifier: GPL-2.0
// A bound learnt on a copy applies to the original.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int linked_scalars(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r3 = r2;"
		     "if r3 > 1 goto l1_%=;"
		     "r0 = r2;"
		     "exit;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
