// SPDX-License-Identifier: GPL-2.0
// A .rodata read at a variable offset bounded by a branch, then one that is not bounded.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";
const char table[16] = "0123456789abcdef";

SEC("iter/task") __attribute__((naked)) int map_value_var(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r3 = *(u64 *)(r2 + 16);"
		     "r2 = %[table] ll;"
		     "if r3 > 15 goto l1_%=;"
		     "r4 = r2;"
		     "r4 += r3;"
		     "r0 = *(u8 *)(r4 + 0);"
		     "l1_%=:"
		     "r2 += r3;"
		     "r0 = *(u8 *)(r2 + 0);"
		     "r0 = 0;"
		     "exit;"
		     :: [table]"i"(&table) : "memory");
}
