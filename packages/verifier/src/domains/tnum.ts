/**
 * Tristate numbers (kernel/bpf/tnum.c): a 64-bit value where each bit is
 * known 0, known 1 or unknown. `value` holds the known-1 bits, `mask` the
 * unknown bits; a bit is never set in both.
 */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & U64;

export const tnum = (value: bigint, mask: bigint): Tnum => ({ value: u64(value), mask: u64(mask) });
export const tnumConst = (v: bigint): Tnum => tnum(v, 0n);
export const TNUM_UNKNOWN: Tnum = tnum(0n, U64);

/** Smallest tnum containing [min, max] (tnum_range). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = u64(min ^ max);
  if (chi === 0n) return tnumConst(min);
  const bits = chi.toString(2).length; // fls64
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return tnum(min & ~delta, delta);
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64;
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;

export const tnumLshift = (a: Tnum, s: number): Tnum => tnum(a.value << BigInt(s), a.mask << BigInt(s));
export const tnumRshift = (a: Tnum, s: number): Tnum => tnum(a.value >> BigInt(s), a.mask >> BigInt(s));

/** Arithmetic right shift of the low `bits` (32 or 64) bits (tnum_arshift). */
export function tnumArshift(a: Tnum, s: number, bits: 32 | 64): Tnum {
  const sx = (x: bigint) => (bits === 32 ? BigInt.asIntN(32, x) : BigInt.asIntN(64, x));
  if (bits === 32) {
    return tnum(BigInt.asUintN(32, sx(a.value) >> BigInt(s)), BigInt.asUintN(32, sx(a.mask) >> BigInt(s)));
  }
  return tnum(sx(a.value) >> BigInt(s), sx(a.mask) >> BigInt(s));
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return tnum(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return tnum(dv & ~mu, mu);
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(tnumConst(0n), a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return tnum(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return tnum(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

/** tnum_mul: the kernel's shift-and-add multiplication. */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let av = a;
  let bv = b;
  let accV = tnumConst(u64(a.value * b.value));
  let accM = tnumConst(0n);
  while (av.value !== 0n || av.mask !== 0n) {
    if (av.value & 1n) accM = tnumAdd(accM, tnum(0n, bv.mask));
    else if (av.mask & 1n) accM = tnumAdd(accM, tnum(0n, bv.value | bv.mask));
    av = tnumRshift(av, 1);
    bv = tnumLshift(bv, 1);
  }
  accV = tnumAdd(accV, accM);
  return accV;
}

/** tnum_intersect: both a and b hold. */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return tnum(v & ~mu, mu);
}

/** tnum_union (kernel name), the smallest tnum holding both. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = a.mask | b.mask | (a.value ^ b.value);
  return tnum(v & ~mu, mu);
}

/** Truncate to `size` bytes (tnum_cast). */
export function tnumCast(a: Tnum, size: number): Tnum {
  const m = size >= 8 ? U64 : (1n << BigInt(size * 8)) - 1n;
  return tnum(a.value & m, a.mask & m);
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, sub: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(sub));
export const tnumConstSubreg = (a: Tnum, v: bigint): Tnum => tnumWithSubreg(a, tnumConst(v & 0xffffffffn));

/** b is a subset of a (tnum_in). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

/** tnum_sbin / tnum_strn: "(0x0; 0xff)". */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}
