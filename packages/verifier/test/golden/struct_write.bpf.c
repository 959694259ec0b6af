// SPDX-License-Identifier: GPL-2.0
// Writes through a BTF pointer.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int struct_write(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r3 = 0;"
		     "*(u64 *)(r2 + 8) = r3;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
