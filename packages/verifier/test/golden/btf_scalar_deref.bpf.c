// SPDX-License-Identifier: GPL-2.0
// Dereferences a scalar read from meta.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int btf_scalar_deref(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r2 = *(u64 *)(r2 + 8);"
		     "r0 = *(u64 *)(r2 + 0);"
		     "exit;"
		     ::: "memory");
}
