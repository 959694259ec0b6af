/**
 * bpfIterInit(kernel): registers the iterator subsystem into a kernel-sim
 * kernel the way Linux's late initcalls do (bpf_iter_reg_target for each
 * target, the iter link type, the attach-target check, the bpf_seq_*
 * helpers); the returned function unregisters all of it (bpfIterExit).
 *
 * The kernel is typed structurally after kernel-sim's published extension
 * API (/work/team/notes/kernel-sim.md) so that bpf-iter does not depend on
 * kernel-sim's internals; see /work/team/notes/bpf-iter-requests.md.
 */
import type { AddressSpace, HelperFn } from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';
import {
  BPF_F_REPLACE,
  BpfAttachType,
  BpfError,
  BpfLinkType,
  BpfProgType,
  ERRNO,
  type Errno,
  errnoName,
  type LinkCreateAttr,
} from '@tsbpf/uapi';
import { BprintfBuffers } from './bprintf.js';
import { bpf_seq_printf_proto, bpf_seq_write_proto, bpfSeqPrintf, bpfSeqWrite } from './helpers.js';
import {
  type BpfIterLink,
  bpfIterCheckAttachTarget,
  bpfIterCreate,
  bpfIterLinkCreate,
  bpfIterLinkFillLinkInfo,
  bpfIterLinkShowFdinfo,
  bpfIterLinkUpdate,
  bpfIterOpenPinned,
} from './iterLink.js';
import type { IterPidNamespace, IterProg, IterTaskKernel, IterTaskView } from './kernelApi.js';
import type { BpfIterFile, BpfIterSessionState } from './session.js';
import { type BpfIterReg, BpfIterTargets } from './target.js';
import { taskFileTarget, taskTarget } from './targets/task.js';

/** The seed targets registered by bpfIterInit. */
export const SEED_TARGETS: readonly BpfIterReg<IterTaskKernel>[] = [taskTarget, taskFileTarget];

// ---- kernel-sim's extension API, structurally (see notes/kernel-sim.md) ----

export interface SimBpfProg {
  id: number;
  type: number;
  expectedAttachType: number;
  attachBtfId: number;
  tag: string;
  sleepable?: boolean;
  get(): void;
  put(): void;
}
export interface SimTask {
  pid: number;
  tgid: number;
  addr: bigint;
  leader: SimTask;
  files: object | undefined;
  fdTable(): [number, { addr: bigint }][];
}
export interface SimFileOps {
  read?(f: unknown, buf: Uint8Array): number;
  write?(f: unknown, data: Uint8Array): number;
  llseek?(f: unknown, off: number, whence: number): number;
  release?(f: unknown): void;
  name?: string;
}
export interface SimLinkImpl {
  update?(newProg: SimBpfProg, oldProg: SimBpfProg | undefined): void;
  detach?(): void;
  fdinfo?(): string;
  fillInfo?(info: DataView, infoLen: number, targetName?: Uint8Array): void;
  iterCreate?(caller: unknown): unknown;
  open?(caller: unknown, flags: number): unknown;
  release?(): void;
}
export interface SimKernel {
  mem: AddressSpace;
  btf: Btf;
  allocBytes(size: number, name: string, writable?: boolean): bigint;
  free(addr: bigint): void;
  tasks(ns?: unknown): readonly SimTask[];
  /** Optional (requested): pid namespace of a process and pid numbers in it. */
  pidNsOf?(proc: unknown): unknown;
  pidNr?(task: SimTask, ns: unknown): number;
  /** Optional (requested): pidfd_get_pid + pid_nr_ns in the caller's namespace, or -errno. */
  pidfdToTgid?(caller: unknown, pidFd: number): number;
  bpf: {
    registerLinkType(ops: {
      linkType: number;
      name: string;
      progType: number;
      attachType: number;
      create(ctx: {
        kernel: unknown;
        prog: SimBpfProg;
        attr: LinkCreateAttr;
        caller: unknown;
        linkId?: number;
      }): SimLinkImpl;
    }): () => void;
    registerAttachTarget(
      progType: number,
      attachType: number,
      resolve: (req: { btfId: number; funcName: string; prog: SimBpfProg }) => {
        ctxArgs?: unknown[];
        data?: unknown;
      },
    ): () => void;
    registerHelper(def: {
      id: number;
      name: string;
      proto: unknown;
      fn: HelperFn;
      allowed(prog: SimBpfProg): boolean;
    }): () => void;
    runProg(prog: SimBpfProg, ctxAddr: bigint, runContext?: unknown): bigint;
  };
  vfs: { anonInodeFile(name: string, fops: SimFileOps, flags: number, priv?: unknown): unknown };
}

function fail(err: number, message?: string, log?: string): never {
  const name = (errnoName(err) ?? 'EINVAL') as Errno;
  throw new BpfError(name, message, log ? { log } : undefined);
}

/**
 * kernel-sim tasks viewed through one pid namespace. The pid-ordered list is
 * taken again at each refresh() (every start(), i.e. once per read), so tasks
 * created between reads are found, as Linux's find_ge_pid walk finds them.
 */
function pidNamespace(k: SimKernel, ns: unknown): IterPidNamespace {
  const views = new Map<SimTask, IterTaskView>();
  const nr = (t: SimTask) => (k.pidNr ? k.pidNr(t, ns) : t.pid);
  let list: { nr: number; t: SimTask }[] = [];
  let nrOf = new Map<IterTaskView, number>();
  let seen: readonly SimTask[] | undefined;
  const refresh = () => {
    // kernel-sim hands back the same array until a task comes or goes.
    const tasks = k.tasks(ns);
    if (tasks === seen) return;
    seen = tasks;
    list = tasks
      .map((t) => ({ nr: nr(t), t }))
      .filter((e) => e.nr > 0)
      .sort((a, b) => a.nr - b.nr);
    nrOf = new Map(list.map((e) => [view(e.t), e.nr]));
  };
  /** Index of the first entry with nr >= n. */
  const lowerBound = (n: number): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.nr < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const view = (t: SimTask): IterTaskView => {
    let v = views.get(t);
    if (!v) {
      v = {
        kaddr: t.addr,
        get groupLeader() {
          return view(t.leader);
        },
        files: t.files ?? null,
        openFiles: () => t.fdTable().map(([fd, f]) => [fd, f.addr] as const),
        threadGroup: () =>
          list
            .filter((e) => e.t.tgid === t.tgid)
            .map((e) => e.t)
            .sort((a, b) => (a === t.leader ? -1 : b === t.leader ? 1 : a.pid - b.pid))
            .map(view),
      };
      views.set(t, v);
    }
    return v;
  };
  refresh();
  return {
    refresh,
    findGeTask(n) {
      const e = list[lowerBound(n)];
      return e ? { nr: e.nr, task: view(e.t) } : undefined;
    },
    findTask(n) {
      const e = list[lowerBound(n)];
      return e && e.nr === n ? view(e.t) : undefined;
    },
    pidNr(v) {
      return nrOf.get(v) ?? 0;
    },
  };
}

function iterKernelOf(k: SimKernel): IterTaskKernel {
  return {
    memory: k.mem,
    vmlinuxBtf: k.btf,
    kzalloc: (name, size) => k.allocBytes(size, name, true),
    kfree: (addr) => k.free(addr),
    pidNamespaceOf: (proc) => pidNamespace(k, k.pidNsOf ? k.pidNsOf(proc) : undefined),
    pidfdToTgid: (caller, fd) => (k.pidfdToTgid ? k.pidfdToTgid(caller, fd) : -ERRNO.EINVAL),
  };
}

/** Everything bpfIterInit registered, for inspection and tests. */
export interface BpfIterSubsystem {
  targets: BpfIterTargets<IterTaskKernel>;
  state: BpfIterSessionState;
  kernel: IterTaskKernel;
  /** bpfIterExit: unregisters everything. */
  exit(): void;
}

/**
 * The iterator subsystem's initcall: registers the seed targets, the iter
 * link type for TRACING + BPF_TRACE_ITER, the attach-target resolver and the
 * bpf_seq_printf / bpf_seq_write helpers. Returns the subsystem; call
 * `exit()` (or bpfIterExit) to unregister.
 */
export function bpfIterInit(
  k: SimKernel,
  extraTargets: readonly BpfIterReg<IterTaskKernel>[] = [],
): BpfIterSubsystem {
  const targets = new BpfIterTargets<IterTaskKernel>();
  for (const reg of [...SEED_TARGETS, ...extraTargets]) targets.register(reg);
  const state: BpfIterSessionState = { sessionId: 0n, buffers: new BprintfBuffers() };
  const kernel = iterKernelOf(k);
  const progs = new WeakMap<SimBpfProg, IterProg>();
  const iterProg = (p: SimBpfProg): IterProg => {
    let v = progs.get(p);
    if (!v) {
      v = {
        id: p.id,
        tag: p.tag,
        prog_type: p.type,
        expected_attach_type: p.expectedAttachType,
        attach_btf_id: p.attachBtfId,
        sleepable: p.sleepable ?? false,
        run: (ctx, rc) => k.bpf.runProg(p, ctx, rc),
        get: () => p.get(),
        put: () => p.put(),
      };
      progs.set(p, v);
    }
    return v;
  };
  const fileOf = (file: BpfIterFile, anon: boolean, flags: number): unknown =>
    k.vfs.anonInodeFile(
      'bpf_iter',
      {
        name: 'bpf_iter',
        read: (_f, buf) => file.read(buf),
        write: (_f, data) => file.write(data),
        llseek: (_f, off, whence) => file.lseek(off, whence),
        release: () => file.release(),
      },
      anon ? 0o2000000 : flags,
      file,
    );

  const unregs: (() => void)[] = [];
  const TRACING = BpfProgType.BPF_PROG_TYPE_TRACING;
  const ITER = BpfAttachType.BPF_TRACE_ITER;
  unregs.push(
    k.bpf.registerAttachTarget(TRACING, ITER, (req) => {
      const r = bpfIterCheckAttachTarget(targets, k.btf, req.btfId);
      if ('err' in r) fail(r.err, undefined, r.log);
      return { ctxArgs: [...r.ctx_arg_info], data: r.reg };
    }),
  );
  unregs.push(
    k.bpf.registerLinkType({
      linkType: BpfLinkType.BPF_LINK_TYPE_ITER,
      name: 'iter',
      progType: TRACING,
      attachType: ITER,
      create({ prog, attr, caller, linkId }) {
        const ip = iterProg(prog);
        const link = bpfIterLinkCreate(kernel, targets, ip, attr, caller);
        if (typeof link === 'number') fail(link);
        link.id = linkId ?? 0;
        return linkImpl(link);
      },
    }),
  );
  const linkImpl = (link: BpfIterLink<IterTaskKernel>): SimLinkImpl => ({
    update(newProg, oldProg) {
      // The kernel swaps and releases programs itself; this checks and tracks.
      const old = oldProg ? iterProg(oldProg) : undefined;
      const r = bpfIterLinkUpdate(link, iterProg(newProg), old ? BPF_F_REPLACE : 0, old, false, false);
      if (r) fail(r);
    },
    fdinfo: () => bpfIterLinkShowFdinfo(link),
    fillInfo(info, _len, targetName) {
      const r = bpfIterLinkFillLinkInfo(link, info, targetName);
      if (r) fail(r);
    },
    iterCreate(caller) {
      const f = bpfIterCreate(state, kernel, link, 0, caller);
      if (typeof f === 'number') fail(f);
      return fileOf(f, true, 0);
    },
    open(caller, flags) {
      return fileOf(bpfIterOpenPinned(state, kernel, link, flags, caller), false, flags);
    },
    release: () => link.reg.detach_target?.(link.aux),
  });
  const helper = (id: number, name: string, proto: unknown, fn: HelperFn) =>
    k.bpf.registerHelper({
      id,
      name,
      proto,
      fn,
      allowed: (p) => p.type === TRACING && p.expectedAttachType === ITER,
    });
  unregs.push(helper(bpf_seq_printf_proto.func_id, 'bpf_seq_printf', bpf_seq_printf_proto, bpfSeqPrintf));
  unregs.push(helper(bpf_seq_write_proto.func_id, 'bpf_seq_write', bpf_seq_write_proto, bpfSeqWrite));

  return {
    targets,
    state,
    kernel,
    exit() {
      for (const u of unregs.reverse()) u();
      unregs.length = 0;
      for (const reg of targets.all()) targets.unregister(reg.target);
    },
  };
}

/** The inverse of bpfIterInit. */
export function bpfIterExit(sub: BpfIterSubsystem): void {
  sub.exit();
}
