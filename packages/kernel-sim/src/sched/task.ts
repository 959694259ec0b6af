import { BpfError } from '@tsbpf/uapi';
import type { KFile } from '../fs/file.js';
import type { KObj } from '../mm/kobj.js';
import { NR_OPEN_DEFAULT } from '../types/vmlinux.js';

/** How kernel code allocates and views objects (implemented by Kernel). */
export interface ObjectAllocator {
  alloc(type: string): KObj;
  obj(type: string, addr: bigint): KObj;
  allocBytes(size: number, name: string): bigint;
}

/** PF_KTHREAD */
export const PF_KTHREAD = 0x00200000;
/** RLIMIT_NOFILE default soft limit. */
export const NR_OPEN_MAX = 1024;

/** A process's fd table: struct files_struct + fdtable in kernel memory. */
export class FilesStruct {
  readonly files = new Map<number, KFile>();
  readonly cloexec = new Set<number>();
  users = 1;
  constructor(
    readonly obj: KObj,
    private readonly objs: ObjectAllocator,
  ) {
    const fdtab = obj.addrOf('fdtab');
    obj.set('count.counter', 1);
    obj.set('fdt', fdtab);
    obj.set('fdtab.max_fds', NR_OPEN_DEFAULT);
    obj.set('fdtab.fd', obj.addrOf('fd_array'));
    obj.set('fdtab.open_fds', obj.addrOf('open_fds_init'));
    obj.set('fdtab.close_on_exec', obj.addrOf('close_on_exec_init'));
    obj.set('fdtab.full_fds_bits', obj.addrOf('full_fds_bits_init'));
  }

  private fdt(): KObj {
    return this.objs.obj('fdtable', this.obj.get('fdt'));
  }

  get maxFds(): number {
    return Number(this.fdt().get('max_fds'));
  }

  /** expand_fdtable: a new, larger fdtable with its own fd array and bitmaps. */
  private expand(nr: number): void {
    let size = this.maxFds;
    while (size <= nr) size *= 2;
    const old = this.fdt();
    const nt = this.objs.alloc('fdtable');
    const arr = this.objs.allocBytes(size * 8, 'struct file *[]');
    const bm = (n: string) => this.objs.allocBytes(size / 8, n);
    const mem = this.obj.mem;
    mem.writeBytes(arr, mem.readBytes(old.get('fd'), old.getNumber('max_fds') * 8));
    nt.set('max_fds', size);
    nt.set('fd', arr);
    nt.set('open_fds', bm('open_fds'));
    nt.set('close_on_exec', bm('close_on_exec'));
    nt.set('full_fds_bits', bm('full_fds_bits'));
    for (const fd of this.files.keys()) this.setBit(nt, 'open_fds', fd, true);
    for (const fd of this.cloexec) this.setBit(nt, 'close_on_exec', fd, true);
    this.obj.set('fdt', nt.addr);
  }

  private setBit(t: KObj, field: string, fd: number, on: boolean): void {
    const addr = t.get(field) + BigInt(Math.floor(fd / 64) * 8);
    const w = this.obj.mem.load(addr, 8);
    const bit = 1n << BigInt(fd % 64);
    this.obj.mem.store(addr, 8, on ? w | bit : w & ~bit);
  }

  /** get_unused_fd_flags: the lowest free fd. */
  allocFd(): number {
    let fd = 0;
    while (this.files.has(fd)) fd++;
    if (fd >= NR_OPEN_MAX) throw new BpfError('EMFILE');
    return fd;
  }

  /** fd_install */
  install(fd: number, file: KFile, cloexec: boolean): void {
    if (fd >= this.maxFds) this.expand(fd);
    const t = this.fdt();
    this.obj.mem.store(t.get('fd') + BigInt(fd * 8), 8, file.addr);
    this.setBit(t, 'open_fds', fd, true);
    this.setBit(t, 'close_on_exec', fd, cloexec);
    this.files.set(fd, file);
    if (cloexec) this.cloexec.add(fd);
    else this.cloexec.delete(fd);
    this.obj.set('next_fd', this.allocFdHint());
  }

  private allocFdHint(): number {
    let fd = 0;
    while (this.files.has(fd)) fd++;
    return fd;
  }

  /** close_fd: removes the fd and returns the file (the caller puts it). */
  remove(fd: number): KFile {
    const f = this.files.get(fd);
    if (!f) throw new BpfError('EBADF');
    const t = this.fdt();
    this.obj.mem.store(t.get('fd') + BigInt(fd * 8), 8, 0n);
    this.setBit(t, 'open_fds', fd, false);
    this.setBit(t, 'close_on_exec', fd, false);
    this.files.delete(fd);
    this.cloexec.delete(fd);
    this.obj.set('next_fd', this.allocFdHint());
    return f;
  }

  /** Files in fd order. */
  entries(): [number, KFile][] {
    return [...this.files.entries()].sort((a, b) => a[0] - b[0]);
  }
}

/** A task (process or thread): struct task_struct in kernel memory. */
export class Task {
  readonly threads: Task[] = [];
  children: Task[] = [];
  exited = false;
  /** task_active_pid_ns: the namespace the task was created in (set by the kernel). */
  pidNs: PidNamespace | undefined;
  constructor(
    readonly obj: KObj,
    readonly pid: number,
    /** The group leader for a thread; undefined for a leader. */
    readonly threadLeader: Task | undefined,
    public parent: Task | undefined,
    public files: FilesStruct | undefined,
  ) {}
  get addr(): bigint {
    return this.obj.addr;
  }
  get tgid(): number {
    return this.threadLeader ? this.threadLeader.pid : this.pid;
  }
  get comm(): string {
    return this.obj.getString('comm');
  }
  set comm(s: string) {
    this.obj.setString('comm', s);
  }
  get isKthread(): boolean {
    return (this.obj.getNumber('flags') & PF_KTHREAD) !== 0;
  }
  get groupLeader(): Task {
    return this.threadLeader ?? this;
  }
  /** The group leader (the task itself for a leader), as task->group_leader. */
  get leader(): Task {
    return this.threadLeader ?? this;
  }
  /** Open files in fd order (threads share their leader's table). */
  fdTable(): [number, KFile][] {
    return this.files ? this.files.entries() : [];
  }
}

/** /proc/sys/kernel/pid_max as systemd sets it on 64-bit machines. */
export const PID_MAX = 4194304;
/** Pids below this are not reused after a wrap (include/linux/pid.h). */
export const RESERVED_PIDS = 300;

/**
 * A pid namespace: tasks by their pid number in it. A child namespace sees
 * only its own tasks, under its own numbers; every task also has a number in
 * each ancestor namespace (its global pid in the initial one).
 */
export class PidNamespace {
  private readonly byPid = new Map<number, Task>();
  private readonly nrs = new Map<Task, number>();
  lastPid = 0;
  /** The pid-ordered list, kept until a task comes or goes. */
  private sorted: readonly Task[] | undefined;
  /** 0 for the initial namespace. */
  readonly level: number;
  constructor(readonly parent?: PidNamespace) {
    this.level = parent ? parent.level + 1 : 0;
  }
  /**
   * Tasks (threads included) in pid order. The same array is returned until
   * the namespace changes, so a walker can tell cheaply whether to re-read it.
   */
  list(): readonly Task[] {
    this.sorted ??= [...this.byPid.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    return this.sorted;
  }
  /** Tasks by pid; change it through add() and remove(). */
  get tasks(): ReadonlyMap<number, Task> {
    return this.byPid;
  }
  /** pid_nr_ns: the task's number here, or undefined when it is not visible here. */
  nrOf(t: Task): number | undefined {
    return this.nrs.get(t);
  }
  add(t: Task, nr: number = t.pid): void {
    this.byPid.set(nr, t);
    this.nrs.set(t, nr);
    if (nr > this.lastPid) this.lastPid = nr;
    this.sorted = undefined;
  }
  remove(nr: number): void {
    const t = this.byPid.get(nr);
    if (t) this.nrs.delete(t);
    this.byPid.delete(nr);
    this.sorted = undefined;
  }
  /** alloc_pid: the next free pid after the last one, wrapping past pid_max to RESERVED_PIDS. */
  allocPid(): number {
    let p = this.lastPid + 1;
    for (;;) {
      if (p >= PID_MAX) p = RESERVED_PIDS;
      if (!this.tasks.has(p)) break;
      p++;
    }
    this.lastPid = p;
    return p;
  }
}
