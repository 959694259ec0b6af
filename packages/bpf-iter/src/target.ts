/**
 * Iterator targets and their registry (bpf_iter_reg_target /
 * bpf_iter_unreg_target). A target is one file under src/targets/ exporting
 * a `BpfIterReg`; the registry is per kernel instance.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/include/linux/bpf.h (struct bpf_iter_reg)
 */
import type { SeqFile, SeqOperations } from './seqFile.js';

/** Target feature: the read loop may call cond_resched(); sleepable programs allowed. */
export const BPF_ITER_RESCHED = 1 << 0;

/** How the verifier types a ctx slot load (struct bpf_ctx_arg_aux). */
export interface BpfCtxArgAux {
  offset: number;
  /** e.g. 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', 'PTR_TO_BUF|MEM_RDONLY|PTR_MAYBE_NULL'. */
  reg_type: string;
  /** BTF struct the pointer points to (for PTR_TO_BTF_ID). */
  btf_struct?: string;
}

/** Parameters parsed from `union bpf_iter_link_info` by a target's attach hook. */
export interface BpfIterAuxInfo {
  task?: { type: 'ALL' | 'TID' | 'PID'; pid: number };
  map?: { mapId: number; ref: unknown };
  /** Target-owned extra state. */
  extra?: unknown;
}

/** What a target's per-open private init receives. */
export interface IterOpenContext<K = unknown> {
  kernel: K;
  aux: BpfIterAuxInfo;
  /** The opening process, as the host kernel identifies it (used for pid/net namespaces). */
  opener: unknown;
}

/** Per-open seq operations + private state (struct bpf_iter_seq_info). */
export interface BpfIterSeqInfo<K = unknown> {
  /** init_seq_private + the seq_ops bound to that private state. */
  open(ctx: IterOpenContext<K>, run: IterProgRunner): SeqOperations<unknown>;
}

/**
 * Runs the session's program on a ctx: the target fills the ctx slots after
 * `meta` (8-byte slots, pointers as addresses) and gets show()'s result (0 or
 * -EAGAIN). For the final call it passes inStop = true and null pointers.
 */
export type IterProgRunner = (seq: SeqFile<unknown>, slots: readonly bigint[], inStop: boolean) => number;

/** struct bpf_iter_reg. */
export interface BpfIterReg<K = unknown> {
  /** Target name; programs attach to the BTF FUNC `bpf_iter_<target>`. */
  target: string;
  /** ctx layout after meta (slot i is at offset 8 * (i + 1)). */
  ctx_arg_info: readonly BpfCtxArgAux[];
  /** Size of the ctx struct `bpf_iter__<target>`. */
  ctxSize: number;
  feature: number;
  seq_info: BpfIterSeqInfo<K>;
  /** Validates link parameters at BPF_LINK_CREATE; returns aux or a negative errno. */
  attach_target?(kernel: K, linfo: Uint8Array | undefined, caller: unknown): BpfIterAuxInfo | number;
  detach_target?(aux: BpfIterAuxInfo): void;
  /** Extra fdinfo lines (each ending in "\n"). */
  show_fdinfo?(aux: BpfIterAuxInfo): string;
  /** Fills the target part of struct bpf_link_info (bytes 28..47). */
  fill_link_info?(aux: BpfIterAuxInfo, info: DataView): void;
}

/** The registered targets of one kernel instance (the global targets list + mutex in Linux). */
export class BpfIterTargets<K = unknown> {
  private readonly regs = new Map<string, BpfIterReg<K>>();

  /** bpf_iter_reg_target(): a name registers once. */
  register(reg: BpfIterReg<K>): void {
    if (this.regs.has(reg.target)) throw new Error(`bpf_iter target ${reg.target} already registered`);
    this.regs.set(reg.target, reg);
  }

  /** bpf_iter_unreg_target(). */
  unregister(target: string): void {
    this.regs.delete(target);
  }

  find(target: string): BpfIterReg<K> | undefined {
    return this.regs.get(target);
  }

  /** Registration order. */
  all(): BpfIterReg<K>[] {
    return [...this.regs.values()];
  }
}
