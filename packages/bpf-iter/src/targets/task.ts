/**
 * The `task` and `task_file` targets (reference §2.1): every thread of the
 * opener's pid namespace by ascending pid number; task_file walks each
 * task's open files by fd and skips non-leader threads sharing the leader's
 * file table (ALL and PID modes). Parameters tid / pid / pid_fd (at most one).
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/kernel/bpf/task_iter.c
 */
import { ERRNO } from '@tsbpf/uapi';
import type { IterPidNamespace, IterTaskKernel, IterTaskView } from '../kernelApi.js';
import type { SeqOperations } from '../seqFile.js';
import { BPF_ITER_RESCHED, type BpfIterAuxInfo, type BpfIterReg } from '../target.js';

type TaskMode = 'ALL' | 'TID' | 'PID';

/** struct bpf_iter_seq_task_common + the tid cursor. */
interface TaskCommon {
  ns: IterPidNamespace;
  type: TaskMode;
  pid: number;
  pidVisiting: number;
  tid: number;
}

/** bpf_iter_attach_task(): parses union bpf_iter_link_info.task. */
export function attachTask(
  kernel: IterTaskKernel,
  linfo: Uint8Array | undefined,
  caller: unknown,
): BpfIterAuxInfo | number {
  const dv = linfo ? new DataView(linfo.buffer, linfo.byteOffset, linfo.byteLength) : undefined;
  const tid = dv && linfo!.length >= 4 ? dv.getUint32(0, true) : 0;
  const pid = dv && linfo!.length >= 8 ? dv.getUint32(4, true) : 0;
  const pidFd = dv && linfo!.length >= 12 ? dv.getUint32(8, true) : 0;
  if (Number(tid !== 0) + Number(pid !== 0) + Number(pidFd !== 0) > 1) return -ERRNO.EINVAL;
  if (tid !== 0) return { task: { type: 'TID', pid: tid } };
  if (pid !== 0) return { task: { type: 'PID', pid } };
  if (pidFd !== 0) {
    const tgid = kernel.pidfdToTgid(caller, pidFd);
    if (tgid < 0) return tgid;
    return { task: { type: 'PID', pid: tgid } };
  }
  return { task: { type: 'ALL', pid: 0 } };
}

function showFdinfo(aux: BpfIterAuxInfo): string {
  const t = aux.task ?? { type: 'ALL', pid: 0 };
  let s = `task_type:\t${t.type}\n`;
  if (t.type === 'TID') s += `tid:\t${t.pid}\n`;
  else if (t.type === 'PID') s += `pid:\t${t.pid}\n`;
  return s;
}

/** bpf_link_info.iter.task.{tid,pid} at offsets 32 and 36. */
function fillLinkInfo(aux: BpfIterAuxInfo, info: DataView): void {
  const t = aux.task;
  if (t?.type === 'TID') info.setUint32(32, t.pid, true);
  else if (t?.type === 'PID') info.setUint32(36, t.pid, true);
}

function isLeader(t: IterTaskView): boolean {
  return t.groupLeader === t;
}

/** task_group_seq_get_next(): PID mode, the leader then its threads. */
function taskGroupNext(c: TaskCommon, skipDupFiles: boolean): IterTaskView | null {
  if (!c.tid) {
    const leader = c.ns.findTask(c.pid);
    if (!leader || !isLeader(leader)) return null; // get_pid_task(pid, PIDTYPE_TGID)
    c.tid = c.pid;
    c.pidVisiting = c.pid;
    return leader;
  }
  if (c.tid === c.pidVisiting) return c.ns.findTask(c.pidVisiting) ?? null;
  let task = c.ns.findTask(c.pidVisiting);
  if (!task) return null;
  const group = task.groupLeader.threadGroup();
  let i = group.indexOf(task);
  for (;;) {
    i++;
    task = group[i];
    if (!task) return null;
    const nextTid = c.ns.pidNr(task);
    if (!nextTid) continue;
    if (skipDupFiles && task.files === task.groupLeader.files) continue;
    c.tid = nextTid;
    c.pidVisiting = nextTid;
    return task;
  }
}

/** task_seq_get_next(). */
function taskSeqGetNext(c: TaskCommon, skipDupFiles: boolean): IterTaskView | null {
  if (c.type === 'TID') {
    if (c.tid && c.tid !== c.pid) return null;
    const t = c.ns.findTask(c.pid);
    if (t) c.tid = c.pid;
    return t ?? null;
  }
  if (c.type === 'PID') return taskGroupNext(c, skipDupFiles);
  for (;;) {
    const found = c.ns.findGeTask(c.tid);
    if (!found) return null;
    c.tid = found.nr;
    const t = found.task;
    if (skipDupFiles && !isLeader(t) && t.files === t.groupLeader.files) {
      c.tid++;
      continue;
    }
    return t;
  }
}

function commonFor(kernel: IterTaskKernel, aux: BpfIterAuxInfo, opener: unknown): TaskCommon {
  const t = aux.task ?? { type: 'ALL' as const, pid: 0 };
  return { ns: kernel.pidNamespaceOf(opener), type: t.type, pid: t.pid, pidVisiting: 0, tid: 0 };
}

export const taskTarget: BpfIterReg<IterTaskKernel> = {
  target: 'task',
  ctx_arg_info: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', btf_struct: 'task_struct' }],
  ctxSize: 16,
  feature: BPF_ITER_RESCHED,
  attach_target: attachTask,
  show_fdinfo: showFdinfo,
  fill_link_info: fillLinkInfo,
  seq_info: {
    open({ kernel, aux, opener }, run) {
      const c = commonFor(kernel, aux, opener);
      const ops: SeqOperations<unknown> = {
        start(seq) {
          c.ns.refresh?.();
          const t = taskSeqGetNext(c, false);
          if (!t) return null;
          if (seq.index === 0) seq.index++;
          return t;
        },
        next(seq) {
          seq.index++;
          c.tid++;
          return taskSeqGetNext(c, false);
        },
        show(seq, v) {
          return run(seq, [(v as IterTaskView).kaddr], false);
        },
        stop(seq, v) {
          if (v === null) run(seq, [0n], true);
        },
      };
      return ops;
    },
  },
};

/** A task_file object: the file and where it was found. */
interface TaskFileObj {
  task: IterTaskView;
  fd: number;
  file: bigint;
}

export const taskFileTarget: BpfIterReg<IterTaskKernel> = {
  target: 'task_file',
  ctx_arg_info: [
    { offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL', btf_struct: 'task_struct' },
    { offset: 24, reg_type: 'PTR_TO_BTF_ID_OR_NULL', btf_struct: 'file' },
  ],
  ctxSize: 32,
  feature: BPF_ITER_RESCHED,
  attach_target: attachTask,
  show_fdinfo: showFdinfo,
  fill_link_info: fillLinkInfo,
  seq_info: {
    open({ kernel, aux, opener }, run) {
      const c = commonFor(kernel, aux, opener);
      let task: IterTaskView | null = null;
      let fd = 0;
      // task_file_seq_get_next()
      const getNext = (): TaskFileObj | null => {
        let savedTid = c.tid;
        for (;;) {
          let currFd: number;
          if (task) currFd = fd;
          else {
            task = taskSeqGetNext(c, true);
            if (!task) return null;
            currFd = savedTid === c.tid ? fd : 0;
          }
          const next = task.openFiles().find(([n]) => n >= currFd);
          if (next) {
            fd = next[0];
            return { task, fd, file: next[1] };
          }
          if (c.type === 'TID') {
            task = null;
            return null;
          }
          task = null;
          fd = 0;
          c.tid++;
          savedTid = c.tid;
        }
      };
      const ops: SeqOperations<unknown> = {
        start(seq) {
          c.ns.refresh?.();
          task = null;
          const f = getNext();
          if (f && seq.index === 0) seq.index++;
          return f;
        },
        next(seq) {
          seq.index++;
          fd++;
          return getNext();
        },
        show(seq, v) {
          const o = v as TaskFileObj;
          return run(seq, [o.task.kaddr, BigInt(o.fd), o.file], false);
        },
        stop(seq, v) {
          if (v === null) run(seq, [0n, 0n, 0n], true);
          else task = null;
        },
      };
      return ops;
    },
  },
};
