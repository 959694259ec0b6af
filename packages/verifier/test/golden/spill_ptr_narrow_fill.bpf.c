// SPDX-License-Identifier: GPL-2.0
// A 4-byte fill of a spilled pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_ptr_narrow_fill(void *ctx)
{
	asm volatile(
		     "*(u64 *)(r10 - 8) = r1;"
		     "r0 = *(u32 *)(r10 - 8);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
