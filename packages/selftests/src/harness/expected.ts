/**
 * What bpf/iter_task.bpf.c and bpf/iter_task_file.bpf.c must print for a set
 * of tasks, computed in TypeScript from the simulated kernel's own task and
 * file records (not from its memory, which is what the BPF programs read).
 */
import type { Task } from '@tsbpf/kernel-sim';

/** What iter_task prints of a task. */
export interface TaskRow {
  tgid: number;
  pid: number;
  ppid: number;
  comm: string;
}

/** A kernel-sim task as iter_task sees it (real_parent->tgid; 0 without a parent). */
export function taskRow(t: Task): TaskRow {
  return { tgid: t.tgid, pid: t.pid, ppid: t.parent?.tgid ?? 0, comm: t.comm };
}

const d = (n: number, w = 8) => String(n).padStart(w);

/** The ps-like table of iter_task: header, one line per task (threads included), "N tasks". */
export function expectedTaskTable(tasks: readonly TaskRow[]): string {
  let out = '';
  tasks.forEach((t, i) => {
    if (i === 0) out += '    TGID      PID     PPID COMM\n';
    out += `${d(t.tgid)} ${d(t.pid)} ${d(t.ppid)} ${t.comm}\n`;
  });
  return `${out}${tasks.length} tasks\n`;
}

/** One line of iter_task_file: tgid, fd, inode number, dentry name. */
export function taskFileLine(tgid: number, fd: number, ino: number, name: string): string {
  return `${d(tgid)} ${d(fd)} ${d(ino, 10)} ${name}\n`;
}

export const TASK_FILE_HEADER = '    TGID       FD      INODE NAME\n';

/**
 * iter_task_file's lines for these tasks (pid order): every open file of
 * every task, skipping threads that share their leader's file table.
 */
export function expectedTaskFileLines(tasks: readonly Task[]): string[] {
  const lines: string[] = [];
  for (const t of tasks) {
    if (t.threadLeader && t.files === t.threadLeader.files) continue;
    for (const [fd, f] of t.fdTable()) {
      lines.push(taskFileLine(t.tgid, fd, f.dentry.inode?.ino ?? 0, f.dentry.name));
    }
  }
  return lines;
}
