/**
 * Scalar bounds: the 64-bit and 32-bit min/max tracking of
 * kernel/bpf/verifier.c (reg_bounds_sync and adjust_scalar_min_max_vals),
 * on top of tnums.
 */
import {
  type Reg,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  U32_MAX,
  U64_MAX,
  unknownScalar,
} from '../regState.js';
import {
  TNUM_UNKNOWN,
  type Tnum,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumConst,
  tnumIntersect,
  tnumLshift,
  tnumMul,
  tnumOr,
  tnumRange,
  tnumRshift,
  tnumSub,
  tnumSubreg,
  tnumWithSubreg,
  tnumXor,
} from './tnum.js';

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const s32 = (x: bigint) => BigInt.asIntN(32, x);
const s64 = (x: bigint) => BigInt.asIntN(64, x);

function updateBounds(r: Reg): void {
  const v = r.varOff;
  r.smin = max(r.smin, s64(v.value | (v.mask & (1n << 63n))));
  r.smax = min(r.smax, s64(v.value | (v.mask & ((1n << 63n) - 1n))));
  r.umin = max(r.umin, v.value);
  r.umax = min(r.umax, v.value | v.mask);
  const sv = tnumSubreg(v);
  r.s32min = max(r.s32min, s32(sv.value | (sv.mask & (1n << 31n))));
  r.s32max = min(r.s32max, s32(sv.value | (sv.mask & ((1n << 31n) - 1n))));
  r.u32min = max(r.u32min, sv.value);
  r.u32max = min(r.u32max, sv.value | sv.mask);
}

const u32 = (x: bigint) => BigInt.asUintN(32, x);
const u64 = (x: bigint) => BigInt.asUintN(64, x);
const HI32 = ~0xffffffffn;

/** __reg32_deduce_bounds: 32-bit ranges from the 64-bit ones and from each other. */
function deduce32(r: Reg): void {
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, u32(r.umin));
    r.u32max = min(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    if (u32(r.smin) <= u32(r.smax)) {
      r.u32min = max(r.u32min, u32(r.smin));
      r.u32max = min(r.u32max, u32(r.smax));
    }
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  // upper halves two consecutive numbers: the low halves form one signed range
  if (u32((r.umin >> 32n) + 1n) === u32(r.umax >> 32n) && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.umin));
    r.s32max = min(r.s32max, s32(r.umax));
  }
  if (u32((r.smin >> 32n) + 1n) === u32(r.smax >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.smin));
    r.s32max = min(r.s32max, s32(r.smax));
  }
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(r.u32min, u32(r.s32min));
    r.u32max = min(r.u32max, u32(r.s32max));
  }
}

/** __reg64_deduce_bounds: signed and unsigned 64-bit ranges from each other. */
function deduce64(r: Reg): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(r.umin, u64(r.smin));
    r.umax = min(r.umax, u64(r.smax));
  } else if (r.umax < u64(r.smin)) {
    // the signed range crosses the sign boundary; the unsigned one meets only its upper end
    r.smin = s64(r.umin);
    r.umax = min(r.umax, u64(r.smax));
  } else if (u64(r.smax) < r.umin) {
    r.smax = s64(r.umax);
    r.umin = max(r.umin, u64(r.smin));
  }
}

/** __reg_deduce_mixed_bounds: 64-bit ranges tightened with the 32-bit ones. */
function deduceMixed(r: Reg): void {
  r.umin = max(r.umin, (r.umin & HI32) | r.u32min);
  r.umax = min(r.umax, (r.umax & HI32) | r.u32max);
  r.smin = max(r.smin, s64((u64(r.smin) & HI32) | r.u32min));
  r.smax = min(r.smax, s64((u64(r.smax) & HI32) | r.u32max));
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.umin = max(r.umin, (r.umin & HI32) | u32(r.s32min));
    r.umax = min(r.umax, (r.umax & HI32) | u32(r.s32max));
    r.smin = max(r.smin, s64((u64(r.smin) & HI32) | u32(r.s32min)));
    r.smax = min(r.smax, s64((u64(r.smax) & HI32) | u32(r.s32max)));
  }
  // after a sign-extending load: the upper bits are all zeros or all ones
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = r.s32min;
    r.umax = r.s32max;
    r.varOff = tnumIntersect(r.varOff, tnumRange(r.smin, r.smax));
  }
}

function deduceBounds(r: Reg): void {
  deduce32(r);
  deduce64(r);
  deduceMixed(r);
}

function boundOffset(r: Reg): void {
  const v64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  const v32 = tnumIntersect(tnumSubreg(v64), tnumRange(r.u32min, r.u32max));
  r.varOff = tnumWithSubreg(v64, v32);
}

/** reg_bounds_sync(). */
export function regBoundsSync(r: Reg): void {
  updateBounds(r);
  deduceBounds(r);
  deduceBounds(r);
  deduceBounds(r);
  boundOffset(r);
  updateBounds(r);
}

/** True when the bounds contradict each other (reg_bounds_sanity_check failing). */
export function boundsInvalid(r: Reg): boolean {
  return r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max;
}

/** Marks the 32-bit bounds unknown (__mark_reg32_unbounded). */
function unbound32(r: Reg): void {
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}
function unbound64(r: Reg): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

/** Zero-extends the 32-bit result to 64 bits (zext_32_to_64). */
export function zext32(r: Reg): void {
  r.varOff = tnumCast(r.varOff, 4);
  r.umin = r.u32min;
  r.umax = r.u32max;
  r.smin = r.u32min;
  r.smax = r.u32max;
  regBoundsSync(r);
}

/** Truncation to `size` bytes after a load or narrow mov (coerce_reg_to_size). */
export function coerceToSize(r: Reg, size: number): void {
  if (size >= 8) return;
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if (r.umin >> BigInt(size * 8) === r.umax >> BigInt(size * 8)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size >= 4) {
    unbound32(r);
  } else {
    r.u32min = r.umin;
    r.u32max = r.umax;
    r.s32min = r.umin;
    r.s32max = r.umax;
  }
  regBoundsSync(r);
}

export type AluOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'or'
  | 'and'
  | 'lsh'
  | 'rsh'
  | 'neg'
  | 'mod'
  | 'xor'
  | 'arsh';

/**
 * dst = dst op src on scalars (adjust_scalar_min_max_vals). Both are
 * scalars; src of a shift is known to be in range when this is called.
 */
export function scalarAlu(op: AluOp, dst: Reg, src: Reg, alu32: boolean): Reg {
  const out: Reg = { ...unknownScalar(), id: 0 };
  const width = alu32 ? 32 : 64;
  const d = alu32 ? view32(dst) : dst;
  const s = alu32 ? view32(src) : src;
  const smin = alu32 ? S32_MIN : S64_MIN;
  const smaxL = alu32 ? S32_MAX : S64_MAX;
  const umaxL = alu32 ? U32_MAX : U64_MAX;
  const sgn = (x: bigint) => (alu32 ? s32(x) : s64(x));
  const uns = (x: bigint) => BigInt.asUintN(width, x);
  let lo = { smin, smax: smaxL, umin: 0n, umax: umaxL };
  let t: Tnum;
  switch (op) {
    case 'add': {
      t = tnumAdd(d.varOff, s.varOff);
      const a = d.smin + s.smin;
      const b = d.smax + s.smax;
      if (a >= smin && b <= smaxL) lo = { ...lo, smin: a, smax: b };
      const c = d.umin + s.umin;
      const e = d.umax + s.umax;
      if (e <= umaxL) lo = { ...lo, umin: c, umax: e };
      break;
    }
    case 'sub': {
      t = tnumSub(d.varOff, s.varOff);
      const a = d.smin - s.smax;
      const b = d.smax - s.smin;
      if (a >= smin && b <= smaxL) lo = { ...lo, smin: a, smax: b };
      if (d.umin >= s.umax) lo = { ...lo, umin: d.umin - s.umax, umax: d.umax - s.umin };
      break;
    }
    case 'mul': {
      t = tnumMul(d.varOff, s.varOff);
      if (d.umax * s.umax <= umaxL) {
        lo = { ...lo, umin: d.umin * s.umin, umax: d.umax * s.umax };
        if (d.umax * s.umax <= smaxL) lo = { ...lo, smin: lo.umin, smax: lo.umax };
      }
      break;
    }
    case 'and': {
      t = tnumAnd(d.varOff, s.varOff);
      lo = { ...lo, umin: t.value, umax: min(d.umax, s.umax) };
      if (d.smin >= 0n && s.smin >= 0n) lo = { ...lo, smin: lo.umin, smax: lo.umax };
      break;
    }
    case 'or': {
      t = tnumOr(d.varOff, s.varOff);
      lo = { ...lo, umin: max(d.umin, s.umin), umax: t.value | t.mask };
      if (d.smin >= 0n && s.smin >= 0n) lo = { ...lo, smin: lo.umin, smax: lo.umax };
      break;
    }
    case 'xor': {
      t = tnumXor(d.varOff, s.varOff);
      lo = { ...lo, umin: t.value, umax: t.value | t.mask };
      if (d.smin >= 0n && s.smin >= 0n) lo = { ...lo, smin: lo.umin, smax: lo.umax };
      break;
    }
    case 'lsh': {
      const sh = Number(s.umin);
      const shMax = Number(s.umax);
      t = tnumCast(tnumLshift(d.varOff, sh), width / 8);
      if (s.umin !== s.umax) t = TNUM_UNKNOWN;
      if (!alu32 && sh === 32 && shMax === 32) {
        lo = {
          ...lo,
          smax: dst.s32max >= 0n ? dst.s32max << 32n : S64_MAX,
          smin: dst.s32min >= 0n ? dst.s32min << 32n : S64_MIN,
        };
      }
      if (d.umax <= 1n << BigInt(width - 1 - shMax))
        lo = { ...lo, umin: d.umin << BigInt(sh), umax: d.umax << BigInt(shMax) };
      break;
    }
    case 'rsh': {
      const sh = Number(s.umin);
      t = s.umin === s.umax ? tnumRshift(d.varOff, sh) : tnumRshift(TNUM_UNKNOWN, sh);
      lo = { ...lo, umin: d.umin >> s.umax, umax: d.umax >> s.umin };
      break;
    }
    case 'arsh': {
      const sh = Number(s.umin);
      t = s.umin === s.umax ? tnumArshift(d.varOff, sh, alu32 ? 32 : 64) : TNUM_UNKNOWN;
      if (s.umin === s.umax) lo = { ...lo, smin: d.smin >> s.umin, smax: d.smax >> s.umin };
      break;
    }
    case 'neg': {
      t = tnumSub(tnumConst(0n), d.varOff);
      if (d.smin !== smin) lo = { ...lo, smin: -d.smax, smax: -d.smin };
      break;
    }
    case 'div':
    case 'mod': {
      // Constant folding only; otherwise unknown (kernel marks unknown too).
      if (d.umin === d.umax && s.umin === s.umax) {
        const a = d.umin;
        const b = s.umin;
        const v = op === 'div' ? (b === 0n ? 0n : a / b) : b === 0n ? a : a % b;
        t = tnumConst(v);
      } else t = TNUM_UNKNOWN;
      break;
    }
  }
  t = tnumCast(t, width / 8);
  if (alu32) {
    out.varOff = t;
    out.u32min = lo.umin;
    out.u32max = lo.umax;
    out.s32min = lo.smin;
    out.s32max = lo.smax;
    out.umin = 0n;
    out.umax = U32_MAX;
    out.smin = 0n;
    out.smax = U32_MAX;
    regBoundsSync(out);
    zext32(out);
  } else {
    out.varOff = t;
    out.smin = lo.smin;
    out.smax = lo.smax;
    out.umin = lo.umin;
    out.umax = lo.umax;
    regBoundsSync(out);
  }
  void sgn;
  void uns;
  return out;
}

/** The 32-bit subregister seen as a width-32 value. */
function view32(r: Reg): Reg {
  return {
    ...r,
    varOff: tnumSubreg(r.varOff),
    umin: r.u32min,
    umax: r.u32max,
    smin: r.s32min,
    smax: r.s32max,
  };
}

export { unbound32, unbound64 };
