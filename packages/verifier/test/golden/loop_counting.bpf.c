// SPDX-License-Identifier: GPL-2.0
// A loop counting forever: the 1M processed-insn limit.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int loop_counting(void *ctx)
{
	asm volatile(
		     "r1 = 0;"
		     "l0_%=:"
		     "r1 += 1;"
		     "goto l0_%=;"
		     ::: "memory");
}
