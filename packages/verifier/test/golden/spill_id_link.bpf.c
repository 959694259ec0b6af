// SPDX-License-Identifier: GPL-2.0
// A spilled unknown scalar keeps its link to the register: a bound learnt on the fill applies to it.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_id_link(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 16);"
		     "*(u64 *)(r10 - 8) = r2;"
		     "r3 = *(u64 *)(r10 - 8);"
		     "if r3 > 1 goto l1_%=;"
		     "r0 = r2;"
		     "exit;"
		     "l1_%=:\n"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
