// SPDX-License-Identifier: GPL-2.0
// A chain of ALU ops on an unknown value: bounds and tnums after each.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int alu_ops_mix(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r3 = r2;"
		     "r3 &= 0xff;"
		     "r3 |= 0x100;"
		     "r3 ^= 0x3;"
		     "r3 <<= 2;"
		     "r3 -= 4;"
		     "r3 *= 3;"
		     "r4 = r2;"
		     "r4 s>>= 60;"
		     "r5 = r2;"
		     "r5 >>= 60;"
		     "r5 = -r5;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
