// SPDX-License-Identifier: GPL-2.0
// bpf_seq_write of 8 stack bytes never written.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int seq_write_uninit_stack(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 8;"
		     "call 127;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
