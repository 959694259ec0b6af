// SPDX-License-Identifier: GPL-2.0
// A bpf-to-bpf call: the subprogram returns its argument (1).
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

__attribute__((naked, noinline, used)) static int ret_arg(void)
{
	asm volatile("r0 = r1;"
		     "exit;"
		     ::: "memory");
}

SEC("iter/task") __attribute__((naked)) int subprog_call(void *ctx)
{
	asm volatile("r1 = 1;"
		     "call %[ret_arg];"
		     "exit;"
		     :: [ret_arg]"i"(ret_arg) : "memory");
}
