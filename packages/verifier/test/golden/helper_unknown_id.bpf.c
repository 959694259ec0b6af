// SPDX-License-Identifier: GPL-2.0
// A helper id beyond the last one.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int helper_unknown_id(void *ctx)
{
	asm volatile(
		     "call 10000;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
