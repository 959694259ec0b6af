/** bpf programs, links and BTF objects: kernel memory + TS-side state + refcounts. */

import type { Executable, Insn } from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';
import type { LinkCreateAttr } from '@tsbpf/uapi';
import type { KFile } from '../fs/file.js';
import type { KObj } from '../mm/kobj.js';
import type { BpfMap } from './map.js';

/** One typed ctx slot of an attach target (struct bpf_ctx_arg_aux). */
export interface CtxArg {
  offset: number;
  /** e.g. 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED' */
  reg_type: string;
  /** BTF struct name the pointer points to. */
  btf_struct?: string;
  btf_id?: number;
}

/** What an attach-target resolver says about a program's target. */
export interface AttachTarget {
  /** The BTF FUNC name (e.g. bpf_iter_task). */
  funcName?: string;
  ctxArgs?: CtxArg[];
  /** Resolver-owned data (e.g. the iterator target registration). */
  data?: unknown;
}

export class BpfProg {
  id = 0;
  refcnt = 1;
  exec: Executable | undefined;
  attachTarget: AttachTarget | undefined;
  /** Verifier output kept for introspection (whatever the verifier returned). */
  verified: unknown;
  usedMaps: BpfMap[] = [];
  /** Set by the kernel: frees the program when the last reference goes. */
  onFree: (p: BpfProg) => void = () => {};
  /** bpf_prog_inc */
  get(): this {
    this.refcnt++;
    this.aux.set('refcnt.counter', this.refcnt);
    return this;
  }
  /** bpf_prog_put */
  put(): void {
    if (--this.refcnt > 0) {
      this.aux.set('refcnt.counter', this.refcnt);
      return;
    }
    this.onFree(this);
  }
  /** Which map each ld_imm64 (by first-slot index) referenced, for persistence. */
  mapByInsn = new Map<number, BpfMap>();
  /** The creating attr without user buffers (for persistence). */
  loadAttr: import('@tsbpf/uapi').ProgLoadAttr | undefined;
  loadTime = 0n;
  constructor(
    readonly obj: KObj,
    readonly aux: KObj,
    readonly type: number,
    readonly expectedAttachType: number,
    readonly attachBtfId: number,
    readonly name: string,
    readonly license: string,
    readonly gplCompatible: boolean,
    readonly sleepable: boolean,
    /** The instructions as loaded (map fds still in ld_imm64). */
    readonly origInsns: Uint8Array,
    /** After fixups (map addresses). */
    readonly insns: Insn[],
    /** 16 lowercase hex digits. */
    readonly tag: string,
  ) {}
  get addr(): bigint {
    return this.obj.addr;
  }
}

/** Operations a link type provides (registered per prog type + attach type). */
export interface LinkTypeOps {
  linkType: number;
  /** bpf_link_type_strs name: 'iter', 'raw_tracepoint', ... */
  name: string;
  progType: number;
  attachType: number;
  create(ctx: {
    kernel: unknown;
    prog: BpfProg;
    attr: LinkCreateAttr;
    caller: unknown;
    linkId: number;
  }): LinkImpl;
}

/** Per-link operations (struct bpf_link_ops). */
export interface LinkImpl {
  update?(newProg: BpfProg, oldProg: BpfProg | undefined): void;
  detach?(): void;
  fdinfo?(): string;
  fillInfo?(info: DataView, infoLen: number, targetName: Uint8Array | undefined): void;
  iterCreate?(caller: unknown): KFile;
  open?(caller: unknown, flags: number): KFile;
  release?(): void;
  /** For persistence: the link's creating parameters (iter_info bytes). */
  params?(): unknown;
}

export class BpfLink {
  id = 0;
  refcnt = 1;
  /** Map referenced by iter_info's map.map_fd at link creation (for persistence). */
  iterMap: BpfMap | undefined;
  constructor(
    readonly obj: KObj,
    readonly ops: LinkTypeOps,
    public prog: BpfProg,
    public impl: LinkImpl,
    readonly attr: LinkCreateAttr,
  ) {}
  get type(): number {
    return this.ops.linkType;
  }
}

export class BtfObj {
  id = 0;
  refcnt = 1;
  constructor(
    readonly bytes: Uint8Array,
    readonly btf: Btf | undefined,
    readonly name: string,
    readonly kernel: boolean,
  ) {}
}

export type BpfObject =
  | { kind: 'prog'; prog: BpfProg }
  | { kind: 'map'; map: BpfMap }
  | { kind: 'link'; link: BpfLink }
  | { kind: 'btf'; btf: BtfObj };
