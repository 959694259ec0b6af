// SPDX-License-Identifier: GPL-2.0
// The seq_file pointer spilled to the stack and filled back keeps its type (seq_write accepts it).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_fill_seq(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r6 = *(u64 *)(r2 + 0);"
		     "*(u64 *)(r10 - 16) = r6;"
		     "r6 = 0;"
		     "*(u64 *)(r10 - 8) = r6;"
		     "r1 = *(u64 *)(r10 - 16);"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 8;"
		     "call 127;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
