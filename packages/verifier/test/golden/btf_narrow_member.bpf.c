// SPDX-License-Identifier: GPL-2.0
// A 4-byte read of the 8-byte seq pointer member.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int btf_narrow_member(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u32 *)(r2 + 4);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
