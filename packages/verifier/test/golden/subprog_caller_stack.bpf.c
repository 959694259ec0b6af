// SPDX-License-Identifier: GPL-2.0
// A subprogram writes through a pointer into its caller's stack; the caller reads it back.
// Golden for @tsbpf/verifier: see README.md in this directory.
#define SEC(n) __attribute__((section(n), used))
char LICENSE[] SEC("license") = "GPL";

__attribute__((naked, noinline, used)) static int store_one(void)
{
	asm volatile("r2 = 1;"
		     "*(u64 *)(r1 + 0) = r2;"
		     "r0 = 0;"
		     "exit;"
		     ::: "memory");
}

SEC("iter/task") __attribute__((naked)) int subprog_caller_stack(void *ctx)
{
	asm volatile("r1 = r10;"
		     "r1 += -8;"
		     "call %[store_one];"
		     "r0 = *(u64 *)(r10 - 8);"
		     "exit;"
		     :: [store_one]"i"(store_one) : "memory");
}
