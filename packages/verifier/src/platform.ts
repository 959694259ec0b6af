/**
 * What the verifier needs to know about the kernel it verifies for (the
 * PREVAIL `ebpf_platform_t` idea): kernel BTF, attach targets with their ctx
 * typing, helper prototypes and the maps a program references.
 */
import type { Btf } from '@tsbpf/btf';
import type { Errno } from '@tsbpf/uapi';

/** One typed ctx slot (struct bpf_ctx_arg_aux). */
export interface CtxArgInfo {
  offset: number;
  /** Kernel spelling: 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', 'PTR_TO_BTF_ID_OR_NULL', 'PTR_TO_BUF|MEM_RDONLY|PTR_MAYBE_NULL'. */
  reg_type: string;
  /** Name of the pointee struct in kernel BTF. */
  btf_struct?: string;
  /** Or its kernel BTF id. */
  btf_id?: number;
}

/** A resolved attach target (for TRACING + BPF_TRACE_ITER: the bpf_iter_<name> FUNC). */
export interface AttachTargetInfo {
  /** e.g. 'bpf_iter_task', used in "func '%s' ..." messages. */
  funcName: string;
  /** The FUNC_PROTO id in kernel BTF; found from funcName when absent. */
  funcProtoId?: number;
  ctxArgs: CtxArgInfo[];
}

export interface AttachTargetError {
  errno: Errno;
  log?: string;
}

/** struct bpf_func_proto, kernel spelling. */
export interface HelperProto {
  func_id: number;
  name: string;
  gpl_only: boolean;
  /** 'RET_INTEGER' | 'RET_VOID' | 'RET_PTR_TO_MAP_VALUE_OR_NULL' | 'RET_PTR_TO_BTF_ID_OR_NULL' | 'RET_PTR_TO_BTF_ID' ... */
  ret_type: string;
  /** Up to five, e.g. 'ARG_PTR_TO_MEM|MEM_RDONLY|PTR_MAYBE_NULL'; missing ones are ARG_DONTCARE. */
  arg_type: string[];
  /** Per argument: struct name or kernel BTF id for ARG_PTR_TO_BTF_ID. */
  arg_btf_id?: (string | number | undefined)[];
  /** Pointee for RET_PTR_TO_BTF_ID*. */
  ret_btf_id?: string | number;
}

/** What the verifier knows of a map referenced by ld_imm64. */
export interface MapInfo {
  name: string;
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  frozen: boolean;
  /** Kernel address substituted for BPF_PSEUDO_MAP_FD / MAP_IDX. */
  mapAddr: bigint;
  /** Array maps: address of the first value (BPF_PSEUDO_MAP_VALUE = valueAddr + off). */
  valueAddr?: bigint;
  /**
   * Frozen BPF_F_RDONLY_PROG array maps (.rodata): the bytes of value 0. A
   * constant-offset load from it is the constant it reads (bpf_map_direct_read).
   */
  frozenValue?: Uint8Array;
}

export interface ProgRef {
  progType: number;
  expectedAttachType: number;
}

export interface Platform {
  btf: Btf;
  resolveAttachTarget?(req: ProgRef & { attachBtfId: number }): AttachTargetInfo | AttachTargetError;
  getHelperProto(id: number, prog: ProgRef): HelperProto | undefined;
  getMap?(ref: { pc: number; src: number; imm: number }): MapInfo | undefined;
}
