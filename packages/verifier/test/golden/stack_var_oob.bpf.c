// SPDX-License-Identifier: GPL-2.0
// A variable-offset stack write that may go above the frame.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int stack_var_oob(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r2 &= 16;"
		     "r3 = r10;"
		     "r3 += -16;"
		     "r3 += r2;"
		     "r4 = 0;"
		     "*(u64 *)(r3 + 0) = r4;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
