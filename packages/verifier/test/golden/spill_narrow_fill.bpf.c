// SPDX-License-Identifier: GPL-2.0
// A 4-byte fill of an 8-byte spilled bounded scalar.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_narrow_fill(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r2 &= 0xffff;"
		     "*(u64 *)(r10 - 8) = r2;"
		     "r3 = *(u32 *)(r10 - 8);"
		     "r4 = *(u16 *)(r10 - 6);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
