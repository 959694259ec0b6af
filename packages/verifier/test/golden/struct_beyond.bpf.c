// SPDX-License-Identifier: GPL-2.0
// Reads past the end of struct bpf_iter_meta.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int struct_beyond(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r0 = *(u64 *)(r2 + 24);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
