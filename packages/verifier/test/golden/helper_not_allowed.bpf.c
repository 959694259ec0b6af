// SPDX-License-Identifier: GPL-2.0
// bpf_skb_load_bytes from an iterator program.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int helper_not_allowed(void *ctx)
{
	asm volatile(
		     "call 26;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
