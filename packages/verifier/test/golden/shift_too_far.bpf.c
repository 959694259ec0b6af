// SPDX-License-Identifier: GPL-2.0
// A shift by 64.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int shift_too_far(void *ctx)
{
	asm volatile(
		     "r0 = 1;"
		     "r0 <<= 64;"
		     "exit;"
		     ::: "memory");
}
