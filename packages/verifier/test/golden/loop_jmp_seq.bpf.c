// SPDX-License-Identifier: GPL-2.0
// 8193 undecided branches pending at once.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int loop_jmp_seq(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     ".rept 8200\n"
		     "if r2 == 1 goto +0;"
		     ".endr\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
