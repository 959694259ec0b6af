/**
 * The simulated kernel: one address space, the vmlinux BTF built from the
 * struct declarations, the VFS with procfs/sysfs/bpffs, a pid namespace of
 * tasks with fd tables, and the bpf subsystem.
 */
import { AddressSpace } from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';
import * as btfPkg from '@tsbpf/btf';
import { BpfError } from '@tsbpf/uapi';
import { bpfOpenPinned, bpfUnpinned } from './bpf/bpffs.js';
import { baseHelpers } from './bpf/helpers.js';
import type { BpfMap } from './bpf/map.js';
import type { BpfLink, BpfObject, BpfProg } from './bpf/objects.js';
import { BpfIds, BpfRegistry } from './bpf/subsys.js';
import { type FileOps, type KFile, readFromBuffer, seekWithin } from './fs/file.js';
import { installProcfs } from './fs/procfs.js';
import {
  type Dentry,
  type Inode,
  type Mount,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFREG,
  S_IFSOCK,
  type SuperBlock,
  Vfs,
} from './fs/vfs.js';
import { KernelHeap } from './mm/heap.js';
import { KObj } from './mm/kobj.js';
import { type MachineState, restore, snapshot } from './persist.js';
import { Process } from './process.js';
import { FilesStruct, type ObjectAllocator, PF_KTHREAD, PidNamespace, Task } from './sched/task.js';
import { buildVmlinuxBtf } from './types/index.js';
import { StructLayout } from './types/layout.js';
import { buildWorld } from './world/build.js';
import { defaultWorld } from './world/default.js';
import type { World } from './world/schema.js';

export interface BootOptions {
  /** The world to build; the embedded default machine when absent. */
  world?: World;
  /** Kernel BTF encoder for /sys/kernel/btf/vmlinux (defaults to @tsbpf/btf encodeBtf when it exists). */
  encodeBtf?: (btf: Btf) => Uint8Array;
}

export const BPF_FS_MAGIC = 0xcafe4a11n;
export const PROC_SUPER_MAGIC = 0x9fa0n;
export const SYSFS_MAGIC = 0x62656572n;

export class Kernel implements ObjectAllocator {
  readonly mem = new AddressSpace();
  readonly heap = new KernelHeap(this.mem);
  readonly btf: Btf = buildVmlinuxBtf();
  readonly vfs: Vfs;
  readonly initPidNs = new PidNamespace();
  readonly bpfIds = new BpfIds();
  readonly registry = new BpfRegistry();
  readonly bpf: KernelBpf;
  /** The task making the current system call (or running the current program). */
  current: Task | undefined;
  /** Nanoseconds since boot: advances by 1000 each time it is read. */
  private clock = 1_000_000_000n;
  private layouts = new Map<string, StructLayout>();
  private pseudo = new Map<string, Mount>();
  private vmlinuxCache: Uint8Array | undefined;
  private readonly encoder: ((btf: Btf) => Uint8Array) | undefined;
  readonly rootCred: KObj;
  umask = 0o022;

  private constructor(opts: BootOptions) {
    this.encoder = opts.encodeBtf;
    this.vfs = new Vfs({
      allocObj: (t) => this.alloc(t),
      allocBytes: (n, name) => this.allocBytes(n, name),
      freeObj: (o) => this.free(o.addr),
      freeBytes: (a) => this.free(a),
    });
    this.rootCred = this.alloc('cred');
    this.rootCred.set('usage.counter', 1);
    this.bpf = new KernelBpf(this);
    for (const h of baseHelpers(
      (a) => this.bpf.mapByAddr(a),
      () => this.ktimeGetNs(),
    )) {
      this.registry.registerHelper(h);
    }
    this.vfs.anonInodeFile = (name, fops, flags, priv) => this.anonInodeFile(name, fops, flags, priv);
    this.mountStandard();
  }

  /** Boots a machine from a world (the default machine when none is given). */
  static boot(opts: BootOptions = {}): Kernel {
    const k = new Kernel(opts);
    k.bootWorld = opts.world ?? defaultWorld();
    buildWorld(k, k.bootWorld);
    return k;
  }

  /** The world this machine booted from (persisted by snapshot()). */
  bootWorld: World = { version: 1, processes: [] };

  /** An empty kernel: no tasks at all (for tests and world builders). */
  static bare(opts: Omit<BootOptions, 'world'> = {}): Kernel {
    return new Kernel(opts);
  }

  ktimeGetNs(): bigint {
    this.clock += 1000n;
    return this.clock;
  }

  // ---------------------------------------------------------------- memory

  layout(type: string): StructLayout {
    let l = this.layouts.get(type);
    if (!l) {
      l = new StructLayout(this.btf, type);
      this.layouts.set(type, l);
    }
    return l;
  }

  /** kzalloc of a struct by its BTF name; the Region is named after the type. */
  alloc(type: string, opts: { size?: number; name?: string } = {}): KObj {
    const l = this.layout(type);
    const addr = this.heap.alloc(opts.size ?? l.size, opts.name ?? type);
    return new KObj(this.mem, l, addr);
  }

  obj(type: string, addr: bigint): KObj {
    return new KObj(this.mem, this.layout(type), addr);
  }

  allocBytes(size: number, name: string, writable = true): bigint {
    return this.heap.alloc(size, name, writable);
  }

  free(addr: bigint): void {
    this.heap.free(addr);
  }

  // ---------------------------------------------------------------- tasks

  tasks(ns: PidNamespace = this.initPidNs): readonly Task[] {
    return ns.list();
  }

  task(pid: number, ns: PidNamespace = this.initPidNs): Task | undefined {
    return ns.tasks.get(pid);
  }

  /** task_active_pid_ns of a process or task (the initial namespace for anything else). */
  pidNsOf(proc?: unknown): PidNamespace {
    const t = proc instanceof Process ? proc.task : proc instanceof Task ? proc : undefined;
    return t?.pidNs ?? this.initPidNs;
  }

  /** pid_nr_ns: the task's pid in ns, 0 when not visible there. */
  pidNr(task: Task, ns: PidNamespace = this.initPidNs): number {
    return ns.nrOf(task) ?? 0;
  }

  /** The namespaces a task has a pid in: its own, then each parent up to the initial one. */
  private pidNsChain(ns: PidNamespace): PidNamespace[] {
    const chain: PidNamespace[] = [];
    for (let n: PidNamespace | undefined = ns; n; n = n.parent) chain.push(n);
    return chain;
  }

  /**
   * pidfd_get_pid + pid_nr_ns: the tgid a pidfd of `caller` refers to, or a
   * negative errno (-EBADF no fd, -EINVAL not a pidfd, -ESRCH exited).
   */
  pidfdToTgid(caller: Process, fd: number): number {
    const f = caller.task.files?.files.get(fd);
    if (!f) return -9;
    const t = (f.priv as { pidfd?: Task } | undefined)?.pidfd;
    if (!t) return -22;
    if (t.exited) return -3;
    return this.pidNr(t, this.pidNsOf(caller));
  }

  /**
   * Creates a task. A thread (`threadOf`) shares its leader's files; a new
   * process gets a copy of its parent's fd table (fork) or an empty one;
   * kernel threads have none.
   */
  createTask(opts: {
    comm: string;
    pid?: number;
    parent?: Task;
    threadOf?: Task;
    kthread?: boolean;
    copyFiles?: boolean;
    /**
     * The task's pid namespace (default: its leader's or parent's). When it
     * is not the initial one, `nsPid` is its number there (default: the next
     * free one); its numbers in the namespaces between are allocated.
     */
    pidNs?: PidNamespace;
    nsPid?: number;
  }): Task {
    const ns = this.initPidNs;
    const pid = opts.pid ?? ns.allocPid();
    if (ns.tasks.has(pid)) throw new BpfError('EEXIST', `pid ${pid} exists`);
    if (pid > ns.lastPid) ns.lastPid = pid;
    const leader = opts.threadOf?.groupLeader;
    const parent = leader ? leader.parent : opts.parent;
    const ownNs = opts.pidNs ?? leader?.pidNs ?? parent?.pidNs ?? ns;
    if (opts.nsPid !== undefined && ownNs !== ns && ownNs.tasks.has(opts.nsPid)) {
      throw new BpfError('EEXIST', `pid ${opts.nsPid} exists in its namespace`);
    }
    const obj = this.alloc('task_struct');
    let files: FilesStruct | undefined;
    if (leader) {
      files = leader.files;
    } else if (!opts.kthread) {
      files = new FilesStruct(this.alloc('files_struct'), this);
      if (opts.copyFiles && opts.parent?.files) {
        for (const [fd, f] of opts.parent.files.entries()) {
          files.install(fd, f.get(), opts.parent.files.cloexec.has(fd));
        }
      }
    }
    const t = new Task(obj, pid, leader, parent, files);
    obj.set('pid', pid);
    obj.set('tgid', t.tgid);
    obj.set('usage.refs.counter', 1);
    obj.set('prio', 120);
    obj.set('static_prio', 120);
    obj.set('normal_prio', 120);
    obj.set('flags', opts.kthread || leader?.isKthread ? PF_KTHREAD : 0);
    obj.set('real_parent', parent ? parent.addr : 0n);
    obj.set('parent', parent ? parent.addr : 0n);
    obj.set('group_leader', (leader ?? t).addr);
    obj.set('real_cred', this.rootCred.addr);
    obj.set('cred', this.rootCred.addr);
    obj.set('files', files ? files.obj.addr : 0n);
    obj.set('start_time', this.ktimeGetNs());
    obj.set('start_boottime', obj.get('start_time'));
    const selfList = (field: string) => {
      obj.set(`${field}.next`, obj.addrOf(field));
      obj.set(`${field}.prev`, obj.addrOf(field));
    };
    selfList('children');
    selfList('sibling');
    selfList('thread_node');
    t.comm = opts.comm;
    if (leader) {
      files!.users++;
      files!.obj.set('count.counter', files!.users);
      leader.threads.push(t);
    } else if (parent) {
      parent.children.push(t);
      // list_add_tail(&p->sibling, &p->real_parent->children)
      this.listAddTail(obj.addrOf('sibling'), parent.obj.addrOf('children'));
    }
    t.pidNs = ownNs;
    ns.add(t);
    // alloc_pid: a number in every namespace from the task's own up to the initial one.
    for (const n of this.pidNsChain(ownNs)) {
      if (n === ns) continue;
      n.add(t, n === ownNs && opts.nsPid !== undefined ? opts.nsPid : n.allocPid());
    }
    return t;
  }

  /** list_add_tail on struct list_head nodes in kernel memory. */
  private listAddTail(node: bigint, head: bigint): void {
    const prev = this.mem.load(head + 8n, 8);
    this.mem.store(node, 8, head);
    this.mem.store(node + 8n, 8, prev);
    this.mem.store(prev, 8, node);
    this.mem.store(head + 8n, 8, node);
  }

  /** list_del (poisoning as the kernel does: LIST_POISON1/2). */
  private listDel(node: bigint): void {
    const next = this.mem.load(node, 8);
    const prev = this.mem.load(node + 8n, 8);
    this.mem.store(prev, 8, next);
    this.mem.store(next + 8n, 8, prev);
    this.mem.store(node, 8, 0xdead000000000100n);
    this.mem.store(node + 8n, 8, 0xdead000000000122n);
  }

  /** do_exit: closes the task's files (when the last user), unhashes it. */
  exitTask(t: Task): void {
    if (t.exited) return;
    for (const th of [...t.threads]) this.exitTask(th);
    t.exited = true;
    t.obj.set('exit_state', 16); // EXIT_DEAD
    const files = t.files;
    if (files && --files.users === 0) {
      for (const [fd] of files.entries()) files.remove(fd).put();
    } else if (files) {
      files.obj.set('count.counter', files.users);
    }
    if (t.threadLeader) t.threadLeader.threads.splice(t.threadLeader.threads.indexOf(t), 1);
    else if (t.parent) {
      t.parent.children.splice(t.parent.children.indexOf(t), 1);
      this.listDel(t.obj.addrOf('sibling'));
    }
    for (const n of this.pidNsChain(t.pidNs ?? this.initPidNs)) {
      const nr = n.nrOf(t);
      if (nr !== undefined) n.remove(nr);
    }
  }

  /** The system-call table of a task (kernel.process(pid)). */
  process(pid: number): Process {
    const t = this.task(pid);
    if (!t) throw new BpfError('ESRCH', `no process ${pid}`);
    if (!t.files) throw new BpfError('EPERM', `pid ${pid} is a kernel thread`);
    return new Process(this, t);
  }

  // ---------------------------------------------------------------- files

  private mountStandard(): void {
    const v = this.vfs;
    for (const dir of [
      'dev',
      'dev/pts',
      'proc',
      'sys',
      'tmp',
      'etc',
      'usr',
      'usr/bin',
      'var',
      'var/log',
      'home',
      'root',
      'run',
    ]) {
      this.mkdirKernel(`/${dir}`, 0o755);
    }
    installProcfs(this, v.mount('/proc', 'proc', PROC_SUPER_MAGIC));
    v.mount('/sys', 'sysfs', SYSFS_MAGIC);
    for (const dir of ['kernel', 'kernel/btf', 'fs', 'fs/bpf']) this.mkdirKernel(`/sys/${dir}`, 0o755);
    const btfFile = this.createNode('/sys/kernel/btf/vmlinux', S_IFREG | 0o444);
    btfFile.inode!.open = () => ({
      fops: {
        read: (f, buf) => readFromBuffer(f, buf, this.vmlinuxBytes()),
        llseek: (f, off, wh) => seekWithin(f, this.vmlinuxBytes().length, off, wh),
      },
    });
    v.mount('/sys/fs/bpf', 'bpf', BPF_FS_MAGIC).sb.obj.set('s_magic', BPF_FS_MAGIC);
    const nul = this.createNode('/dev/null', S_IFCHR | 0o666);
    nul.inode!.obj.set('i_rdev', (1 << 20) | 3);
    nul.inode!.open = () => ({ fops: { read: () => 0, write: (_f, d) => d.length, llseek: () => 0 } });
  }

  /** The encoded vmlinux BTF (served at /sys/kernel/btf/vmlinux). */
  vmlinuxBytes(): Uint8Array {
    if (!this.vmlinuxCache) {
      const enc = this.encoder ?? findEncodeBtf();
      if (!enc) throw new BpfError('ENOENT', 'no BTF encoder available (@tsbpf/btf encodeBtf)');
      this.vmlinuxCache = enc(this.btf);
    }
    return this.vmlinuxCache;
  }

  mkdirKernel(path: string, mode: number): Dentry {
    return this.createNode(path, S_IFDIR | mode);
  }

  /** Creates a node at path (parent must exist), with inode number `ino` or the next one. EEXIST if present. */
  createNode(path: string, mode: number, ino?: number): Dentry {
    const { dentry: dir, last, mnt } = this.vfs.lookup(path, { parent: true });
    if (!dir.inode?.isDir) throw new BpfError('ENOTDIR');
    if (dir.inode.children?.has(last)) throw new BpfError('EEXIST');
    const d = this.vfs.newDentry(mnt.sb, last, dir);
    this.vfs.newInode(d, mode, ino);
    return d;
  }

  /** A mount of an internal pseudo filesystem (pipefs, sockfs, anon_inodefs). */
  pseudoMount(fstype: string): Mount {
    let m = this.pseudo.get(fstype);
    if (!m) {
      const magic = { pipefs: 0x50495045n, sockfs: 0x534f434bn, anon_inodefs: 0x09041934n }[fstype] ?? 0n;
      const sb: SuperBlock = this.vfs.newSuper(fstype, magic);
      m = this.vfs.kernMount(sb);
      this.pseudo.set(fstype, m);
    }
    return m;
  }

  /**
   * anon_inode_getfile: a file on the anonymous inode filesystem, named
   * like the kernel names them ("bpf_iter", "bpf-map", "[eventfd]").
   */
  anonInodeFile(name: string, fops: FileOps, flags: number, priv?: unknown): KFile {
    const m = this.pseudoMount('anon_inodefs');
    const d = this.vfs.newDentry(m.sb, name, undefined);
    d.inode = this.anonInode ??= this.vfs.newInode(d, 0o600);
    d.obj.set('d_inode', d.inode.obj.addr);
    // anon_inode_getfile keeps only the access mode and O_NONBLOCK in f_flags
    return this.vfs.openFile(m, d, fops, flags & (3 | 0o4000), priv, { dentry: true, inode: false });
  }
  private anonInode: Inode | undefined;

  /**
   * A file on pipefs/sockfs with its own inode (alloc_file_pseudo). As in
   * Linux, the dentry's name is "" for a pipe and the protocol's name for a
   * socket ("UNIX-STREAM", "TCP", ...); "pipe:[ino]" / "socket:[ino]" is what
   * d_path makes of them (d_dname), not a name in memory.
   */
  pseudoFile(
    fstype: 'pipefs' | 'sockfs',
    fops: FileOps,
    flags: number,
    priv?: unknown,
    ino?: number,
    name = '',
  ): KFile {
    const m = this.pseudoMount(fstype);
    const i = ino ?? m.sb.nextIno++;
    const d = this.vfs.newDentry(m.sb, name, undefined);
    this.vfs.newInode(d, fstype === 'pipefs' ? S_IFIFO | 0o600 : S_IFSOCK | 0o777, i);
    return this.vfs.openFile(m, d, fops, flags, priv, { dentry: true, inode: true });
  }

  /** Path name of an open file as /proc/<pid>/fd/<n> shows it (d_path). */
  filePath(f: KFile): string {
    return this.vfs.dPath(f.mnt, f.dentry);
  }

  /** Pinned objects by their bpffs dentry. */
  readonly pins = new Map<Dentry, BpfObject>();

  bpfOpenPinned(proc: Process, d: Dentry, flags: number): KFile {
    return bpfOpenPinned(this, proc, d, flags);
  }

  bpfUnpinned(d: Dentry): void {
    bpfUnpinned(this, d);
  }

  /** Serialises the machine (world + pinned bpf objects); see persist.ts. */
  snapshot(): MachineState {
    return snapshot(this);
  }

  /** Rebuilds a machine from a snapshot; `install` re-registers subsystems before the replay. */
  static restore(state: MachineState, opts: { install?: (k: Kernel) => void } = {}): Kernel {
    return restore(state, opts);
  }

  /** Path of a pinned dentry. */
  pinPath(d: Dentry): string {
    const m = this.vfs.mountOf(d.sb);
    return m ? this.vfs.dPath(m, d) : d.name;
  }

  /** bpf objects behind a file, if any. */
  bpfObjectOf(f: KFile): BpfObject | undefined {
    const p = f.priv as { bpf?: BpfObject } | undefined;
    return p?.bpf;
  }
}

/** The kernel's bpf side seen by subsystems (bpf-iter) and the syscall layer. */
export class KernelBpf {
  private byAddr = new Map<bigint, BpfMap>();
  constructor(private readonly k: Kernel) {}

  get ids(): BpfIds {
    return this.k.bpfIds;
  }

  registerLinkType(...a: Parameters<BpfRegistry['registerLinkType']>): () => void {
    return this.k.registry.registerLinkType(...a);
  }
  registerAttachTarget(...a: Parameters<BpfRegistry['registerAttachTarget']>): () => void {
    return this.k.registry.registerAttachTarget(...a);
  }
  registerHelper(...a: Parameters<BpfRegistry['registerHelper']>): () => void {
    return this.k.registry.registerHelper(...a);
  }

  trackMap(m: BpfMap): void {
    this.byAddr.set(m.addr, m);
  }
  untrackMap(m: BpfMap): void {
    this.byAddr.delete(m.addr);
  }
  mapByAddr(addr: bigint): BpfMap | undefined {
    return this.byAddr.get(addr);
  }

  /**
   * Runs a loaded program with r1 = ctxAddr; returns r0. A VmFault is thrown
   * as a result for the caller to handle (the kernel would have oopsed).
   */
  runProg(prog: BpfProg, ctxAddr: bigint, runContext?: unknown): bigint {
    if (!prog.exec) throw new Error(`prog ${prog.id} has no executable (no VM engine was available at load)`);
    return prog.exec.run({ memory: this.k.mem, args: [ctxAddr], runContext });
  }

  anonInodeFile(name: string, fops: FileOps, flags: number, priv?: unknown): KFile {
    return this.k.anonInodeFile(name, fops, flags, priv);
  }

  /** bpf_prog_inc / bpf_prog_put */
  progGet(p: BpfProg): BpfProg {
    return p.get();
  }
  progPut(p: BpfProg): void {
    p.put();
  }
  /** Frees a program (its last reference went away). */
  progFree(p: BpfProg): void {
    this.ids.progs.remove(p.id);
    for (const m of p.usedMaps) this.mapPut(m);
    this.k.free(p.aux.addr);
    this.k.free(p.obj.addr);
  }
  mapGet(m: BpfMap): BpfMap {
    m.refcnt++;
    m.obj.set('refcnt.counter', m.refcnt);
    return m;
  }
  mapPut(m: BpfMap): void {
    if (--m.refcnt > 0) {
      m.obj.set('refcnt.counter', m.refcnt);
      return;
    }
    this.ids.maps.remove(m.id);
    this.untrackMap(m);
    m.free();
    this.k.free(m.obj.addr);
  }
  linkGet(l: BpfLink): BpfLink {
    l.refcnt++;
    l.obj.set('refcnt.counter', l.refcnt);
    return l;
  }
  linkPut(l: BpfLink): void {
    if (--l.refcnt > 0) {
      l.obj.set('refcnt.counter', l.refcnt);
      return;
    }
    l.impl.release?.();
    this.ids.links.remove(l.id);
    this.progPut(l.prog);
    this.k.free(l.obj.addr);
  }
  objGet(o: BpfObject): void {
    if (o.kind === 'prog') this.progGet(o.prog);
    else if (o.kind === 'map') this.mapGet(o.map);
    else if (o.kind === 'link') this.linkGet(o.link);
    else o.btf.refcnt++;
  }
  objPut(o: BpfObject): void {
    if (o.kind === 'prog') this.progPut(o.prog);
    else if (o.kind === 'map') this.mapPut(o.map);
    else if (o.kind === 'link') this.linkPut(o.link);
    else if (--o.btf.refcnt === 0) this.ids.btfs.remove(o.btf.id);
  }
}

function findEncodeBtf(): ((btf: Btf) => Uint8Array) | undefined {
  const f = (btfPkg as Record<string, unknown>).encodeBtf;
  return typeof f === 'function' ? (f as (btf: Btf) => Uint8Array) : undefined;
}
