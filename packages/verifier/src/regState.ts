/**
 * Register and stack slot state (struct bpf_reg_state, bpf_stack_state) and
 * their log text (print_reg_state, reg_type_str in kernel/bpf/log.c).
 */
import type { Btf } from '@tsbpf/btf';
import { TNUM_UNKNOWN, type Tnum, tnumConst, tnumIsConst, tnumIsUnknown, tnumStr } from './domains/tnum.js';
import type { MapInfo } from './platform.js';

export type BaseType =
  | 'NOT_INIT'
  | 'SCALAR_VALUE'
  | 'PTR_TO_CTX'
  | 'CONST_PTR_TO_MAP'
  | 'PTR_TO_MAP_VALUE'
  | 'PTR_TO_MAP_KEY'
  | 'PTR_TO_STACK'
  | 'PTR_TO_BTF_ID'
  | 'PTR_TO_MEM'
  | 'PTR_TO_BUF'
  | 'PTR_TO_FUNC';

/** Type flags (enum bpf_type_flag). */
export const PTR_MAYBE_NULL = 1 << 0;
export const MEM_RDONLY = 1 << 1;
export const PTR_UNTRUSTED = 1 << 2;
export const PTR_TRUSTED = 1 << 3;
export const MEM_RCU = 1 << 4;

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;

export interface Reg {
  type: BaseType;
  flags: number;
  /** Fixed pointer offset. */
  off: number;
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
  /** Null-check / scalar-link id. */
  id: number;
  btfId: number;
  map: MapInfo | undefined;
  memSize: number;
  frameno: number;
}

export function notInit(): Reg {
  return {
    type: 'NOT_INIT',
    flags: 0,
    off: 0,
    varOff: TNUM_UNKNOWN,
    smin: S64_MIN,
    smax: S64_MAX,
    umin: 0n,
    umax: U64_MAX,
    s32min: S32_MIN,
    s32max: S32_MAX,
    u32min: 0n,
    u32max: U32_MAX,
    id: 0,
    btfId: 0,
    map: undefined,
    memSize: 0,
    frameno: 0,
  };
}

export function unknownScalar(): Reg {
  return { ...notInit(), type: 'SCALAR_VALUE' };
}

export function constScalar(v: bigint): Reg {
  const u = BigInt.asUintN(64, v);
  const s = BigInt.asIntN(64, v);
  const u32 = BigInt.asUintN(32, v);
  const s32 = BigInt.asIntN(32, v);
  return {
    ...notInit(),
    type: 'SCALAR_VALUE',
    varOff: tnumConst(u),
    smin: s,
    smax: s,
    umin: u,
    umax: u,
    s32min: s32,
    s32max: s32,
    u32min: u32,
    u32max: u32,
  };
}

/** A pointer with known fixed offset and a zero variable part. */
export function pointer(type: BaseType, flags = 0, extra: Partial<Reg> = {}): Reg {
  return { ...constScalar(0n), type, flags, ...extra };
}

export const cloneReg = (r: Reg): Reg => ({ ...r });

export const isPointer = (r: Reg): boolean => r.type !== 'SCALAR_VALUE' && r.type !== 'NOT_INIT';

const BASE_STR: Record<BaseType, string> = {
  NOT_INIT: '?',
  SCALAR_VALUE: 'scalar',
  PTR_TO_CTX: 'ctx',
  CONST_PTR_TO_MAP: 'map_ptr',
  PTR_TO_MAP_VALUE: 'map_value',
  PTR_TO_MAP_KEY: 'map_key',
  PTR_TO_STACK: 'fp',
  PTR_TO_BTF_ID: 'ptr_',
  PTR_TO_MEM: 'mem',
  PTR_TO_BUF: 'buf',
  PTR_TO_FUNC: 'func',
};

/** reg_type_str(). */
export function regTypeStr(type: BaseType, flags: number): string {
  let postfix = '';
  if (flags & PTR_MAYBE_NULL) postfix = type === 'PTR_TO_BTF_ID' ? 'or_null_' : '_or_null';
  const prefix =
    (flags & MEM_RDONLY ? 'rdonly_' : '') +
    (flags & MEM_RCU ? 'rcu_' : '') +
    (flags & PTR_UNTRUSTED ? 'untrusted_' : '') +
    (flags & PTR_TRUSTED ? 'trusted_' : '');
  return prefix + BASE_STR[type] + postfix;
}

const snum = (v: bigint): string => {
  const s = BigInt.asIntN(64, v);
  return s >= -32768n && s <= 32767n ? s.toString() : `0x${BigInt.asUintN(64, v).toString(16)}`;
};
const unum = (v: bigint): string => (v <= 65535n ? v.toString() : `0x${v.toString(16)}`);

function scalarRanges(r: Reg): string[] {
  const m = [
    { n: 'smin', v: r.smin, omit: r.smin === S64_MIN, s: true },
    { n: 'smax', v: r.smax, omit: r.smax === S64_MAX, s: true },
    { n: 'umin', v: r.umin, omit: r.umin === 0n, s: false },
    { n: 'umax', v: r.umax, omit: r.umax === U64_MAX, s: false },
    { n: 'smin32', v: r.s32min, omit: r.s32min === S32_MIN, s: true },
    { n: 'smax32', v: r.s32max, omit: r.s32max === S32_MAX, s: true },
    { n: 'umin32', v: r.u32min, omit: r.u32min === 0n, s: false },
    { n: 'umax32', v: r.u32max, omit: r.u32max === U32_MAX, s: false },
  ];
  const out: string[] = [];
  const as64 = (x: { v: bigint }) => BigInt.asUintN(64, x.v);
  for (let i = 0; i < m.length; i++) {
    const a = m[i]!;
    if (a.omit) continue;
    const neg1 = a.s && a.v < 0n;
    let text = `${a.n}=`;
    for (let j = i + 2; j < m.length; j += 2) {
      const b = m[j]!;
      if (b.omit || as64(b) !== as64(a)) continue;
      const neg2 = b.s && b.v < 0n;
      if (neg1 !== neg2) continue;
      b.omit = true;
      text += `${b.n}=`;
    }
    out.push(text + (a.s ? snum(a.v) : unum(BigInt.asUintN(64, a.v))));
  }
  return out;
}

export interface PrintCtx {
  btf: Btf;
  curFrame: number;
}

/** print_reg_state(). */
export function formatReg(r: Reg, ctx: PrintCtx): string {
  const t = r.type;
  if (t === 'SCALAR_VALUE' && tnumIsConst(r.varOff)) return snum(r.varOff.value);
  let s = regTypeStr(t, r.flags);
  if (t === 'PTR_TO_STACK') {
    if (r.frameno !== ctx.curFrame) s += `[${r.frameno}]`;
    if (tnumIsConst(r.varOff)) return s + snum(r.varOff.value + BigInt(r.off));
  }
  if (t === 'PTR_TO_BTF_ID' || t === 'PTR_TO_MEM') {
    if (t === 'PTR_TO_BTF_ID' || r.btfId) s += btfName(ctx.btf, r.btfId);
  }
  const a: string[] = [];
  if (r.id) a.push(`id=${r.id}`);
  if ((t === 'CONST_PTR_TO_MAP' || t === 'PTR_TO_MAP_VALUE' || t === 'PTR_TO_MAP_KEY') && r.map) {
    if (r.map.name) a.push(`map=${r.map.name}`);
    a.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  }
  if (t !== 'SCALAR_VALUE' && r.off) a.push(`off=${r.off}`);
  if (t === 'PTR_TO_MEM') a.push(`sz=${r.memSize}`);
  if (tnumIsConst(r.varOff)) {
    if (r.varOff.value) a.push(`imm=${r.varOff.value.toString(16)}`);
  } else {
    a.push(...scalarRanges(r));
    if (!tnumIsUnknown(r.varOff)) a.push(`var_off=${tnumStr(r.varOff)}`);
  }
  return `${s}(${a.join(',')})`;
}

export function btfName(btf: Btf, id: number): string {
  try {
    const t = btf.type(id);
    return t.name;
  } catch {
    return '';
  }
}

export type SlotType = 'INVALID' | 'SPILL' | 'MISC' | 'ZERO';

/** One 8-byte stack slot. */
export interface StackSlot {
  types: SlotType[];
  spilled: Reg | undefined;
}

export const SLOT_CHAR: Record<SlotType, string> = { INVALID: '?', SPILL: 'r', MISC: 'm', ZERO: '0' };
