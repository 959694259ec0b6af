// SPDX-License-Identifier: GPL-2.0
// A spilled bounded scalar is filled with its bounds.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_scalar_bounds(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r2 &= 1;"
		     "*(u64 *)(r10 - 8) = r2;"
		     "r2 = 5;"
		     "r0 = *(u64 *)(r10 - 8);"
		     "exit;"
		     ::: "memory");
}
