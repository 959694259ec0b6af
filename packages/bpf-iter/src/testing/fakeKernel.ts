/**
 * A small stand-in for kernel-sim's published extension API (the structural
 * `SimKernel` of install.ts), used until kernel-sim lands: kernel memory with
 * task_struct / file objects, a vmlinux BTF with the bpf_iter_* functions, a
 * link/helper registry, and "programs" written in TypeScript that read their
 * ctx from kernel memory and call the real helpers, as BPF code would.
 */
import { AddressSpace, type HelperEnv, type HelperFn, Region } from '@tsbpf/bpf-vm';
import { Btf } from '@tsbpf/btf';
import type { LinkCreateAttr } from '@tsbpf/uapi';
import type { SimBpfProg, SimFileOps, SimKernel, SimLinkImpl, SimTask } from '../install.js';

/** Our fake task_struct layout: pid@0 (u32), tgid@4 (u32), comm@8 (16 bytes). */
export const TASK_PID = 0;
export const TASK_TGID = 4;
export const TASK_COMM = 8;
export const TASK_SIZE_BYTES = 64;
/** Fake struct file: a NUL-terminated path at 0. */
export const FILE_NAME = 0;

export interface WorldTask {
  pid: number;
  tgid: number;
  comm: string;
  /** fd -> path; threads with `sharesFiles` use the leader's table. */
  fds?: Record<number, string>;
  sharesFiles?: boolean;
}

export type FakeProgFn = (ctx: bigint, env: HelperEnv) => number;

export interface FakeProg extends SimBpfProg {
  refcnt: number;
  fn: FakeProgFn;
}

export class FakeKernel implements SimKernel {
  mem = new AddressSpace();
  btf = new Btf();
  private next = 0xffff888100000000n;
  private regions = new Map<bigint, Region>();
  readonly taskList: SimTask[] = [];
  linkTypes: Parameters<SimKernel['bpf']['registerLinkType']>[0][] = [];
  attachTargets: Parameters<SimKernel['bpf']['registerAttachTarget']>[2][] = [];
  helpers = new Map<number, HelperFn>();
  private progId = 0;

  constructor(world: WorldTask[]) {
    const intT = this.btf.add({
      kind: 'INT',
      name: 'int',
      size: 4,
      encoding: 1,
      offset: 0,
      bits: 32,
    } as never);
    for (const name of ['bpf_iter_task', 'bpf_iter_task_file', 'bpf_iter_bpf_map', 'do_sys_open']) {
      const proto = this.btf.add({ kind: 'FUNC_PROTO', name: '', returnType: intT, params: [] });
      this.btf.add({ kind: 'FUNC', name, type: proto, linkage: 1 });
    }
    this.btf.add({ kind: 'STRUCT', name: 'bpf_iter_notfunc', size: 8, members: [] } as never);
    const byPid = new Map<number, SimTask>();
    const tables = new Map<number, { obj: object; fds: [number, { addr: bigint }][] }>();
    for (const w of world) {
      const addr = this.allocBytes(TASK_SIZE_BYTES, 'task_struct');
      this.mem.store(addr + BigInt(TASK_PID), 4, BigInt(w.pid));
      this.mem.store(addr + BigInt(TASK_TGID), 4, BigInt(w.tgid));
      this.mem.writeBytes(addr + BigInt(TASK_COMM), new TextEncoder().encode(w.comm.slice(0, 15)));
      let table = tables.get(w.pid);
      if (!w.sharesFiles) {
        const fds = Object.entries(w.fds ?? {}).map(([fd, path]) => {
          const b = new TextEncoder().encode(`${path}\0`);
          const f = this.allocBytes(b.length, 'file');
          this.mem.writeBytes(f, b);
          return [Number(fd), { addr: f }] as [number, { addr: bigint }];
        });
        fds.sort((a, b) => a[0] - b[0]);
        table = { obj: {}, fds };
        tables.set(w.pid, table);
      }
      const t: SimTask = {
        pid: w.pid,
        tgid: w.tgid,
        addr,
        leader: undefined as unknown as SimTask,
        files: undefined,
        fdTable: () => (t.files ? (tables.get(w.sharesFiles ? w.tgid : w.pid)?.fds ?? []) : []),
      };
      t.files = (w.sharesFiles ? tables.get(w.tgid) : table)?.obj;
      byPid.set(w.pid, t);
      this.taskList.push(t);
    }
    for (const t of this.taskList) t.leader = byPid.get(t.tgid) ?? t;
  }

  allocBytes(size: number, name: string, writable = true): bigint {
    const addr = this.next;
    this.next += BigInt((size + 63) & ~63) + 64n;
    const r = this.mem.map(new Region(name, addr, new Uint8Array(size), writable));
    this.regions.set(addr, r);
    return addr;
  }

  free(addr: bigint): void {
    const r = this.regions.get(addr);
    if (r) this.mem.unmap(r);
    this.regions.delete(addr);
  }

  get liveAllocations(): number {
    return this.regions.size;
  }

  pidNsOf?: (proc: unknown) => unknown;
  pidNr?: (task: SimTask, ns: unknown) => number;

  tasks(): SimTask[] {
    return [...this.taskList].sort((a, b) => a.pid - b.pid);
  }

  bpf = {
    registerLinkType: (ops: (typeof this.linkTypes)[number]) => {
      this.linkTypes.push(ops);
      return () => {
        this.linkTypes = this.linkTypes.filter((o) => o !== ops);
      };
    },
    registerAttachTarget: (_pt: number, _at: number, resolve: (typeof this.attachTargets)[number]) => {
      this.attachTargets.push(resolve);
      return () => {
        this.attachTargets = this.attachTargets.filter((o) => o !== resolve);
      };
    },
    registerHelper: (def: { id: number; fn: HelperFn }) => {
      this.helpers.set(def.id, def.fn);
      return () => {
        this.helpers.delete(def.id);
      };
    },
    runProg: (prog: SimBpfProg, ctxAddr: bigint, runContext?: unknown): bigint => {
      const env: HelperEnv = { memory: this.mem, runContext, pc: 0 };
      return BigInt((prog as FakeProg).fn(ctxAddr, env));
    },
  };

  vfs = {
    anonInodeFile: (_name: string, fops: SimFileOps, flags: number, priv?: unknown) => ({
      fops,
      flags,
      priv,
    }),
  };

  /** A loaded iterator program for `target` (attach_btf_id of bpf_iter_<target>). */
  loadProg(target: string, fn: FakeProgFn, opts: { sleepable?: boolean } = {}): FakeProg {
    const id = ++this.progId;
    const p: FakeProg = {
      id,
      type: 26,
      expectedAttachType: 28,
      attachBtfId: this.btf.findByName(`bpf_iter_${target}`, 'FUNC') ?? 0,
      tag: id.toString(16).padStart(16, 'a'),
      sleepable: opts.sleepable ?? false,
      refcnt: 1,
      fn,
      get() {
        p.refcnt++;
      },
      put() {
        p.refcnt--;
      },
    };
    return p;
  }

  /** BPF_LINK_CREATE through the registered link type. */
  linkCreate(prog: FakeProg, attr: Partial<LinkCreateAttr> = {}): SimLinkImpl {
    const ops = this.linkTypes[0];
    if (!ops) throw new Error('no link type');
    return ops.create({
      kernel: this,
      prog,
      attr: { prog_fd: 3, attach_type: 28, ...attr },
      caller: 'caller',
    });
  }

  /** read(2) on a file made by anonInodeFile. */
  read(file: unknown, n: number): number | Uint8Array {
    const f = file as { fops: SimFileOps };
    const buf = new Uint8Array(n);
    const r = f.fops.read?.(f, buf) ?? -22;
    return r <= 0 ? r : buf.slice(0, r);
  }

  readAll(file: unknown, n = 4096): string {
    let s = '';
    for (;;) {
      const r = this.read(file, n);
      if (typeof r === 'number') {
        if (r === 0) return s;
        throw new Error(`read failed: ${r}`);
      }
      s += new TextDecoder().decode(r);
    }
  }

  /** Calls a registered helper as a BPF `call` would. */
  call(env: HelperEnv, id: number, ...args: bigint[]): bigint {
    const fn = this.helpers.get(id);
    if (!fn) throw new Error(`helper ${id} not registered`);
    return fn(env, args[0] ?? 0n, args[1] ?? 0n, args[2] ?? 0n, args[3] ?? 0n, args[4] ?? 0n);
  }
}
