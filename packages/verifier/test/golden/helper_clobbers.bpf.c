// SPDX-License-Identifier: GPL-2.0
// r1-r5 are unreadable after a helper call.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int helper_clobbers(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r2 = r10;"
		     "r2 += -8;"
		     "r3 = 0;"
		     "call 127;"
		     "r0 = r1;"
		     "exit;"
		     ::: "memory");
}
