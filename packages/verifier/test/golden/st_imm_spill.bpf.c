// SPDX-License-Identifier: GPL-2.0
// BPF_ST of immediates: *(u64 *)(r10 -8) = 0 and *(u32 *)(r10 -16) = 7 (encoded by hand for clang 14), read back.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

SEC("iter/task") __attribute__((naked)) int st_imm_spill(void *ctx)
{
	asm volatile(
		     ".quad 0x00000000fff80a7a\n"
		     ".quad 0x00000007fff00a62\n"
		     "r0 = *(u64 *)(r10 - 8);"
		     "r1 = *(u32 *)(r10 - 16);"
		     "exit;"
		     ::: "memory");
}
