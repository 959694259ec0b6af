// SPDX-License-Identifier: GPL-2.0
// A ctx pointer read with 4 bytes.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int ctx_narrow_ptr(void *ctx)
{
	asm volatile(
		     "r2 = *(u32 *)(r1 + 8);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
