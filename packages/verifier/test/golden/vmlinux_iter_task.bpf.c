// SPDX-License-Identifier: GPL-2.0
// A ps-like task iterator in C against the running kernel's vmlinux.h: header at seq_num 0, tgid, pid, the
// parent's tgid through task->real_parent (an RCU pointer), comm with %s, a trailer on the final NULL call.
// Golden for @tsbpf/verifier (needs the kernel BTF it was built against): see README.md in this directory.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int vmlinux_iter_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task) {
		BPF_SEQ_PRINTF(seq, "-- %llu tasks --\n", ctx->meta->seq_num);
		return 0;
	}
	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "    TGID      PID     PPID COMM\n");
	BPF_SEQ_PRINTF(seq, "%8d %8d %8d %s\n", task->tgid, task->pid, task->real_parent->tgid, task->comm);
	return 0;
}
