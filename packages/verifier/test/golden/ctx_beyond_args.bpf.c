// SPDX-License-Identifier: GPL-2.0
// Reads a third ctx pointer that bpf_iter_task does not have.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ctx_beyond_args(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 16);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
