// SPDX-License-Identifier: GPL-2.0
// A subprogram returns a pointer into its own stack.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

__attribute__((naked, noinline, used)) static int ret_fp(void)
{
	asm volatile("r0 = r10;"
		     "r0 += -8;"
		     "exit;"
		     ::: "memory");
}

SEC("iter/task") __attribute__((naked)) int subprog_stack_ret(void *ctx)
{
	asm volatile("call %[ret_fp];"
		     "r0 = 0;"
		     "exit;"
		     :: [ret_fp]"i"(ret_fp) : "memory");
}
