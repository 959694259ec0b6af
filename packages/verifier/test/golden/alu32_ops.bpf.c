// SPDX-License-Identifier: GPL-2.0
// 32-bit ALU ops zero-extend.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int alu32_ops(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "w3 = w2;"
		     "w3 += 7;"
		     "w4 = w2;"
		     "w4 &= 0xf0;"
		     "w4 >>= 4;"
		     "w5 = w2;"
		     "w5 s>>= 28;"
		     "w6 = w2;"
		     "w6 <<= 31;"
		     "w7 = w2;"
		     "w7 -= 1;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
