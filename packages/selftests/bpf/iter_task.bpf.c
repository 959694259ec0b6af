// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A ps-like table of every task in the reader's pid namespace. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "Dual BSD/GPL";

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL) {
		/* The final call: seq_num is the last task's number. */
		BPF_SEQ_PRINTF(seq, "%llu tasks\n", ctx->meta->seq_num + 1);
		return 0;
	}
	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "    TGID      PID     PPID COMM\n");
	BPF_SEQ_PRINTF(seq, "%8d %8d %8d %s\n", task->tgid, task->pid, task->real_parent->tgid,
		       task->comm);
	return 0;
}
