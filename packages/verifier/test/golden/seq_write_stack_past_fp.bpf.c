// SPDX-License-Identifier: GPL-2.0
// bpf_seq_write of 16 bytes starting 8 below the frame pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int seq_write_stack_past_fp(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r4 = 0;"
		     "*(u64 *)(r10 - 8) = r4;"
		     "r3 = 16;"
		     "call 127;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
