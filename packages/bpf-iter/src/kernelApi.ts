/**
 * What bpf-iter needs from the kernel it is installed into. kernel-sim
 * implements this (bpf-iter never imports kernel-sim; see
 * /work/team/notes/bpf-iter-requests.md); tests use a small fake.
 */
import type { AddressSpace } from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';

/** A loaded program as the iterator core sees it (struct bpf_prog). */
export interface IterProg {
  readonly id: number;
  /** bpf_prog tag, 16 hex digits. */
  readonly tag: string;
  readonly prog_type: number;
  readonly expected_attach_type: number;
  readonly attach_btf_id: number;
  readonly sleepable: boolean;
  /** Runs the program with r1 = ctx; returns r0. `runContext` goes to helpers. */
  run(ctx: bigint, runContext: unknown): bigint;
  /** bpf_prog_inc / bpf_prog_put. */
  get(): void;
  put(): void;
}

/** The kernel services the iterator core uses. */
export interface IterKernel {
  /** Kernel memory, where ctx, meta and seq_file live. */
  readonly memory: AddressSpace;
  /** vmlinux BTF (attach-target resolution). */
  readonly vmlinuxBtf: Btf;
  /** kzalloc(): maps `size` zeroed bytes at a fresh kernel address. */
  kzalloc(name: string, size: number): bigint;
  kfree(addr: bigint): void;
}

/** A task (thread) as the task iterators see it. */
export interface IterTaskView {
  /** Address of its task_struct in kernel memory. */
  readonly kaddr: bigint;
  readonly groupLeader: IterTaskView;
  /** Identity of task->files (shared tables are the same object); null when it has none. */
  readonly files: object | null;
  /** Open files by ascending fd: [fd, address of struct file]. */
  openFiles(): readonly (readonly [number, bigint])[];
  /** On a group leader: the whole thread group in thread-list order, leader first. */
  threadGroup(): readonly IterTaskView[];
}

/** A pid namespace: pid numbers as seen from it. */
export interface IterPidNamespace {
  /** Called at each start(): re-read the namespace's tasks (new tasks appear, exited ones go). */
  refresh?(): void;
  /** find_ge_pid() + pid_task(PIDTYPE_PID): the task with the smallest pid number >= nr. */
  findGeTask(nr: number): { nr: number; task: IterTaskView } | undefined;
  /** find_task_by_pid_ns(). */
  findTask(nr: number): IterTaskView | undefined;
  /** task_pid_nr_ns(); 0 when the task is not visible in this namespace. */
  pidNr(task: IterTaskView): number;
}

/** The extra services the task family of targets needs. */
export interface IterTaskKernel extends IterKernel {
  /** task_active_pid_ns() of a process (the opener, or the link creator). */
  pidNamespaceOf(proc: unknown): IterPidNamespace;
  /** pidfd_get_pid() + pid_nr_ns() in the caller's namespace; a negative errno on failure. */
  pidfdToTgid(caller: unknown, pidFd: number): number;
}
