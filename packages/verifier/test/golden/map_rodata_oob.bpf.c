// SPDX-License-Identifier: GPL-2.0
// A read past the end of a 4-byte .rodata value.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";
const char fmt[] = "%d\n";

SEC("iter/task") __attribute__((naked)) int map_rodata_oob(void *ctx)
{
	asm volatile(
		     "r2 = %[fmt] ll;"
		     "r0 = *(u32 *)(r2 + 2);"
		     "r0 = 0;"
		     "exit;"
		     :: [fmt]"i"(&fmt) : "memory");
}
