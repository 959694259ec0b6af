// SPDX-License-Identifier: GPL-2.0
// A NULL check on a copy marks the original too.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ptr_copy_nullcheck(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 8);"
		     "r3 = r2;"
		     "if r3 == 0 goto l1_%=;"
		     "r0 = *(u32 *)(r2 + 0);"
		     "r0 = 0;"
		     "exit;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
