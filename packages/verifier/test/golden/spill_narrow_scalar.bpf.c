// SPDX-License-Identifier: GPL-2.0
// A 4-byte store and 4-byte load of a known value.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_narrow_scalar(void *ctx)
{
	asm volatile(
		     "r2 = 1;"
		     "*(u32 *)(r10 - 8) = r2;"
		     "r0 = *(u32 *)(r10 - 8);"
		     "exit;"
		     ::: "memory");
}
