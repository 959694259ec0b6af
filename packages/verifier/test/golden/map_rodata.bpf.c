// SPDX-License-Identifier: GPL-2.0
// bpf_seq_printf with its format in .rodata (a frozen BPF_F_RDONLY_PROG array map), and a read of it.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";
const char fmt[] = "%d\n";

SEC("iter/task") __attribute__((naked)) int map_rodata(void *ctx)
{
	asm volatile(
		     "r2 = *(u64 *)(r1 + 0);"
		     "r1 = *(u64 *)(r2 + 0);"
		     "r2 = %[fmt] ll;"
		     "r3 = *(u8 *)(r2 + 1);"
		     "*(u64 *)(r10 - 8) = r3;"
		     "r3 = 4;"
		     "r4 = r10;"
		     "r4 += -8;"
		     "r5 = 8;"
		     "call 126;"
		     "r0 = 0;"
		     "exit;"
		     :: [fmt]"i"(&fmt) : "memory");
}
