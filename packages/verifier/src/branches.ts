/**
 * Conditional jumps: is_branch_taken, reg_set_min_max / regs_refine_cond_op,
 * null-check marking (mark_ptr_or_null_regs) and linked scalar ids
 * (sync_linked_regs), as in kernel/bpf/verifier.c.
 */
import type { Insn } from '@tsbpf/bpf-vm';
import { regBoundsSync } from './domains/bounds.js';
import {
  tnumAnd,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumSubreg,
  tnumWithSubreg,
} from './domains/tnum.js';
import { cloneReg, constScalar, isPointer, PTR_MAYBE_NULL, type Reg, U32_MAX, U64_MAX } from './regState.js';
import type { Frame, State } from './states.js';

interface EnvLike {
  readRegFor(st: State, r: number): Reg;
  cloneStateFor(st: State): State;
  frameOf(st: State): Frame;
}

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sgt' | 'sge' | 'slt' | 'sle' | 'set' | 'nset';
const OPS: Record<number, Op> = {
  1: 'eq',
  2: 'gt',
  3: 'ge',
  4: 'set',
  5: 'ne',
  6: 'sgt',
  7: 'sge',
  10: 'lt',
  11: 'le',
  12: 'slt',
  13: 'sle',
};
const NEG: Record<Op, Op> = {
  eq: 'ne',
  ne: 'eq',
  gt: 'le',
  ge: 'lt',
  lt: 'ge',
  le: 'gt',
  sgt: 'sle',
  sge: 'slt',
  slt: 'sge',
  sle: 'sgt',
  set: 'nset',
  nset: 'set',
};
const FLIP: Record<Op, Op> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
  sgt: 'slt',
  sge: 'sle',
  slt: 'sgt',
  sle: 'sge',
  set: 'set',
  nset: 'nset',
};

interface Range {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  v: bigint;
  m: bigint;
}

function range(r: Reg, is32: boolean): Range {
  if (is32) {
    const t = tnumSubreg(r.varOff);
    return { umin: r.u32min, umax: r.u32max, smin: r.s32min, smax: r.s32max, v: t.value, m: t.mask };
  }
  return { umin: r.umin, umax: r.umax, smin: r.smin, smax: r.smax, v: r.varOff.value, m: r.varOff.mask };
}

/** 1 taken, 0 not taken, -1 unknown (is_scalar_branch_taken). */
function scalarTaken(a: Range, b: Range, op: Op): number {
  const aConst = a.m === 0n;
  const bConst = b.m === 0n;
  switch (op) {
    case 'eq':
      if (aConst && bConst) return a.v === b.v ? 1 : 0;
      if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin) return 0;
      if ((a.v & ~b.m & ~a.m) !== (b.v & ~a.m & ~b.m)) return 0;
      return -1;
    case 'ne': {
      const t = scalarTaken(a, b, 'eq');
      return t < 0 ? -1 : 1 - t;
    }
    case 'set':
      if (bConst && (a.v & b.v) !== 0n) return 1;
      if (((a.v | a.m) & (b.v | b.m)) === 0n) return 0;
      return -1;
    case 'nset': {
      const t = scalarTaken(a, b, 'set');
      return t < 0 ? -1 : 1 - t;
    }
    case 'gt':
      if (a.umin > b.umax) return 1;
      if (a.umax <= b.umin) return 0;
      return -1;
    case 'ge':
      if (a.umin >= b.umax) return 1;
      if (a.umax < b.umin) return 0;
      return -1;
    case 'lt':
      return scalarTaken(b, a, 'gt');
    case 'le':
      return scalarTaken(b, a, 'ge');
    case 'sgt':
      if (a.smin > b.smax) return 1;
      if (a.smax <= b.smin) return 0;
      return -1;
    case 'sge':
      if (a.smin >= b.smax) return 1;
      if (a.smax < b.smin) return 0;
      return -1;
    case 'slt':
      return scalarTaken(b, a, 'sgt');
    case 'sle':
      return scalarTaken(b, a, 'sge');
  }
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** regs_refine_cond_op: narrow r1 and r2 assuming `r1 op r2` holds. */
function refine(r1: Reg, r2: Reg, op: Op, is32: boolean): void {
  const get = (r: Reg) => range(r, is32);
  const set = (r: Reg, x: Partial<Range>) => {
    if (is32) {
      if (x.umin !== undefined) r.u32min = x.umin;
      if (x.umax !== undefined) r.u32max = x.umax;
      if (x.smin !== undefined) r.s32min = x.smin;
      if (x.smax !== undefined) r.s32max = x.smax;
    } else {
      if (x.umin !== undefined) r.umin = x.umin;
      if (x.umax !== undefined) r.umax = x.umax;
      if (x.smin !== undefined) r.smin = x.smin;
      if (x.smax !== undefined) r.smax = x.smax;
    }
  };
  const a = get(r1);
  const b = get(r2);
  const umaxL = is32 ? U32_MAX : U64_MAX;
  switch (op) {
    case 'eq': {
      const n = {
        umin: max(a.umin, b.umin),
        umax: min(a.umax, b.umax),
        smin: max(a.smin, b.smin),
        smax: min(a.smax, b.smax),
      };
      set(r1, n);
      set(r2, n);
      if (is32) {
        const t = tnumIntersect(tnumSubreg(r1.varOff), tnumSubreg(r2.varOff));
        r1.varOff = tnumWithSubreg(r1.varOff, t);
        r2.varOff = tnumWithSubreg(r2.varOff, t);
      } else {
        const t = tnumIntersect(r1.varOff, r2.varOff);
        r1.varOff = t;
        r2.varOff = t;
      }
      break;
    }
    case 'ne': {
      if (b.m === 0n) {
        const v = b.v;
        const sv = is32 ? BigInt.asIntN(32, v) : BigInt.asIntN(64, v);
        if (a.umin === v) set(r1, { umin: a.umin + 1n });
        else if (a.umax === v) set(r1, { umax: a.umax - 1n });
        if (a.smin === sv) set(r1, { smin: a.smin + 1n });
        else if (a.smax === sv) set(r1, { smax: a.smax - 1n });
      } else if (a.m === 0n) refine(r2, r1, 'ne', is32);
      break;
    }
    case 'set':
      if (b.m === 0n && (b.v & (b.v - 1n)) === 0n && b.v) {
        const t = is32 ? tnumConst(b.v) : tnumConst(b.v);
        r1.varOff = is32
          ? tnumWithSubreg(r1.varOff, {
              value: tnumSubreg(r1.varOff).value | t.value,
              mask: tnumSubreg(r1.varOff).mask & ~t.value,
            })
          : { value: r1.varOff.value | t.value, mask: r1.varOff.mask & ~t.value };
      }
      break;
    case 'nset':
      if (b.m === 0n) {
        const keep = is32 ? tnumConst(~b.v & U32_MAX) : tnumConst(~b.v & U64_MAX);
        r1.varOff = is32
          ? tnumWithSubreg(r1.varOff, tnumAnd(tnumSubreg(r1.varOff), keep))
          : tnumAnd(r1.varOff, { value: keep.value, mask: 0n });
      }
      break;
    case 'ge':
      set(r1, { umin: max(a.umin, b.umin) });
      set(r2, { umax: min(b.umax, a.umax) });
      break;
    case 'gt':
      set(r1, { umin: max(a.umin, b.umin + 1n > umaxL ? umaxL : b.umin + 1n) });
      set(r2, { umax: min(b.umax, a.umax === 0n ? 0n : a.umax - 1n) });
      break;
    case 'sge':
      set(r1, { smin: max(a.smin, b.smin) });
      set(r2, { smax: min(b.smax, a.smax) });
      break;
    case 'sgt':
      set(r1, { smin: max(a.smin, b.smin + 1n) });
      set(r2, { smax: min(b.smax, a.smax - 1n) });
      break;
    default:
      refine(r2, r1, FLIP[op], is32);
  }
  regBoundsSync(r1);
  regBoundsSync(r2);
}

function forEachReg(st: State, fn: (r: Reg, set: (v: Reg) => void) => void): void {
  for (const f of st.frames) {
    for (const [i, r] of f.regs.entries()) {
      fn(r, (v) => {
        f.regs[i] = v;
      });
    }
    for (const s of f.stack.values()) if (s.spilled) fn(s.spilled, (v) => (s.spilled = v));
  }
}

/** mark_ptr_or_null_regs for `id`. */
function markPtrOrNull(st: State, id: number, isNull: boolean): void {
  forEachReg(st, (r, set) => {
    if (r.id !== id || !(r.flags & PTR_MAYBE_NULL)) return;
    if (isNull) set(constScalar(0n));
    else set({ ...r, flags: r.flags & ~PTR_MAYBE_NULL, id: 0 });
  });
}

/** sync_linked_regs: scalars sharing an id take the refined bounds. */
function syncLinked(st: State, known: Reg): void {
  if (!known.id || known.type !== 'SCALAR_VALUE') return;
  forEachReg(st, (r, set) => {
    if (r !== known && r.type === 'SCALAR_VALUE' && r.id === known.id) set({ ...cloneReg(known) });
  });
}

export function condJump(
  env: EnvLike,
  st: State,
  i: Insn,
  is32: boolean,
): { both: boolean; taken: boolean; other: State } {
  const op = OPS[i.code >> 4]!;
  const x = (i.code & 8) !== 0;
  const dst = env.readRegFor(st, i.dst);
  const src = x ? env.readRegFor(st, i.src) : constScalar(is32 ? BigInt(i.imm >>> 0) : BigInt(i.imm));
  const none = { both: false, other: st };
  // pointer compared with NULL
  const srcZero = src.type === 'SCALAR_VALUE' && tnumIsConst(src.varOff) && src.varOff.value === 0n;
  const dstZero = dst.type === 'SCALAR_VALUE' && tnumIsConst(dst.varOff) && dst.varOff.value === 0n;
  const ptr = isPointer(dst) && srcZero ? dst : isPointer(src) && dstZero ? src : undefined;
  if (ptr && !is32 && (op === 'eq' || op === 'ne')) {
    if (!(ptr.flags & PTR_MAYBE_NULL)) {
      return { ...none, taken: op === 'ne' };
    }
    const other = env.cloneStateFor(st);
    // the "==" state sees NULL, the "!=" one the pointer
    const id = ptr.id;
    const taken = other; // jump target state
    markPtrOrNull(taken, id, op === 'eq');
    markPtrOrNull(st, id, op === 'ne');
    return { both: true, taken: false, other: taken };
  }
  if (isPointer(dst) || isPointer(src)) {
    return { both: true, taken: false, other: env.cloneStateFor(st) };
  }
  const t = scalarTaken(range(dst, is32), range(src, is32), op);
  if (t >= 0) return { ...none, taken: t === 1 };
  const other = env.cloneStateFor(st);
  const f = env.frameOf(other);
  const oDst = f.regs[i.dst]!;
  const oSrc = x ? f.regs[i.src]! : cloneReg(src);
  refine(oDst, oSrc, op, is32);
  const cDst = env.frameOf(st).regs[i.dst]!;
  const cSrc = x ? env.frameOf(st).regs[i.src]! : cloneReg(src);
  refine(cDst, cSrc, NEG[op], is32);
  // linked scalars share 64-bit bounds; a 32-bit comparison does not propagate (as Linux 6.18 logs show)
  if (!is32) {
    syncLinked(other, oDst);
    syncLinked(st, cDst);
    if (x) {
      syncLinked(other, oSrc);
      syncLinked(st, cSrc);
    }
  }
  return { both: true, taken: false, other };
}
