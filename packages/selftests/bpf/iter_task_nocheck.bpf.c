// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Dereferences ctx->task without the NULL check the verifier requires. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "Dual BSD/GPL";

SEC("iter/task")
int dump_task_nocheck(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	BPF_SEQ_PRINTF(seq, "%d\n", task->pid);
	return 0;
}
