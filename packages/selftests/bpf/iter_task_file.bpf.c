// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every open file of every process: tgid, fd, inode number, dentry name. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "Dual BSD/GPL";

SEC("iter/task_file")
int dump_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	__u32 fd = ctx->fd;

	if (task == NULL || file == NULL)
		return 0;
	if (ctx->meta->seq_num == 0)
		BPF_SEQ_PRINTF(seq, "    TGID       FD      INODE NAME\n");
	BPF_SEQ_PRINTF(seq, "%8d %8u %10lu %s\n", task->tgid, fd, file->f_inode->i_ino,
		       file->f_path.dentry->d_name.name);
	return 0;
}
