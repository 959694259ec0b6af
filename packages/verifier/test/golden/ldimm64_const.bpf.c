// SPDX-License-Identifier: GPL-2.0
// A 64-bit immediate.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ldimm64_const(void *ctx)
{
	asm volatile(
		     "r0 = 0x100000001 ll;"
		     "r0 &= 1;"
		     "exit;"
		     ::: "memory");
}
