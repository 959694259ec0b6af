// SPDX-License-Identifier: GPL-2.0
// A shift by an unknown amount.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int shift_var(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r2 &= 7;"
		     "r0 = 1;"
		     "r0 <<= r2;"
		     "r0 &= 1;"
		     "exit;"
		     ::: "memory");
}
