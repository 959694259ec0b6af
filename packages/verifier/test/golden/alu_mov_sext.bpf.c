// SPDX-License-Identifier: GPL-2.0
// Sign-extending moves (cpu v4, encoded by hand for clang 14): r4 = (s8)r3, r5 = (s16)r2, w6 = (s8)w3.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int alu_mov_sext(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "r3 = r2;"
		     "r3 &= 0xff;"
		     ".quad 0x00000000000834bf\n"
		     ".quad 0x00000000001025bf\n"
		     ".quad 0x00000000000836bc\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
