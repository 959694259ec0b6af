// SPDX-License-Identifier: GPL-2.0
// (seq_num & 15) + 1 >> 4 is in [0, 1].
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int alu_bounds(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 + 16);"
		     "r0 &= 15;"
		     "r0 += 1;"
		     "r0 >>= 4;"
		     "exit;"
		     ::: "memory");
}
