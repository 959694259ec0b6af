// SPDX-License-Identifier: GPL-2.0
// A negative offset on a BTF pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int btf_negative_off(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 - 8);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
