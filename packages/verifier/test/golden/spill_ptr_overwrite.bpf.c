// SPDX-License-Identifier: GPL-2.0
// A spilled pointer partly overwritten, then filled as a scalar.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int spill_ptr_overwrite(void *ctx)
{
	asm volatile(
		     "*(u64 *)(r10 - 8) = r1;"
		     "r2 = 0;"
		     "*(u32 *)(r10 - 4) = r2;"
		     "r0 = *(u64 *)(r10 - 8);"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}
