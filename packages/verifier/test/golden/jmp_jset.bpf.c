// SPDX-License-Identifier: GPL-2.0
// JSET on a masked value: if r2 & 0x8 goto +3 (encoded by hand for clang 14).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int jmp_jset(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r2 &= 0xf;"
		     ".quad 0x0000000800030245\n"
		     "r3 = r2;"
		     "r0 = 0;"
		     "exit;"
		     "l1_%=:\n"
		     "r3 = r2;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
