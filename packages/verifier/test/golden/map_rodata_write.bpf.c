// SPDX-License-Identifier: GPL-2.0
// A store into .rodata.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";
const char fmt[] = "%d\n";

SEC("iter/task") __attribute__((naked)) int map_rodata_write(void *ctx)
{
	asm volatile(
		     "r2 = %[fmt] ll;"
		     "r3 = 0;"
		     "*(u8 *)(r2 + 1) = r3;"
		     "r0 = 0;"
		     "exit;"
		     :: [fmt]"i"(&fmt) : "memory");
}
