// SPDX-License-Identifier: GPL-2.0
// Byte swaps.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int alu_bswap(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r3 = r2;"
		     "r3 = be16 r3;"
		     "r4 = r2;"
		     "r4 = le32 r4;"
		     "r5 = 0x1234;"
		     "r5 = be16 r5;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
