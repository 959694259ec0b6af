// SPDX-License-Identifier: GPL-2.0
// (seq_num & 31) + 1 >> 4 is in [0, 2].
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int alu_bounds_off_by_one(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 + 16);"
		     "r0 &= 31;"
		     "r0 += 1;"
		     "r0 >>= 4;"
		     "exit;"
		     ::: "memory");
}
