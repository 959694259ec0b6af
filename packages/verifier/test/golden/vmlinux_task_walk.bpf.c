// SPDX-License-Identifier: GPL-2.0
// Walks task->real_parent->real_parent->comm and task->mm->... without checks: which loads the verifier allows.
// Golden for @tsbpf/verifier (needs the kernel BTF it was built against): see README.md in this directory.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int vmlinux_task_walk(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	char buf[16];

	if (!task)
		return 0;
	__builtin_memcpy(buf, task->real_parent->real_parent->comm, 8);
	*(long *)(buf + 8) = task->mm->total_vm;
	bpf_seq_write(seq, buf, sizeof(buf));
	return 0;
}
