import { describe, expect, it } from 'vitest';
import {
  TNUM_UNKNOWN,
  tnum,
  tnumAdd,
  tnumAnd,
  tnumConst,
  tnumIn,
  tnumIsConst,
  tnumMul,
  tnumRange,
  tnumStr,
  tnumSub,
} from './tnum.js';

// Every concrete value a tnum stands for, for small masks.
function members(t: { value: bigint; mask: bigint }): bigint[] {
  const bits: bigint[] = [];
  for (let i = 0n; i < 64n; i++) if ((t.mask >> i) & 1n) bits.push(i);
  const out: bigint[] = [];
  for (let k = 0; k < 1 << bits.length; k++) {
    let v = t.value;
    bits.forEach((b, j) => {
      if ((k >> j) & 1) v |= 1n << b;
    });
    out.push(v);
  }
  return out;
}

describe('tnum (kernel/bpf/tnum.c semantics)', () => {
  it('ranges cover exactly the aligned span', () => {
    expect(tnumRange(0n, 255n)).toEqual(tnum(0n, 0xffn));
    expect(tnumRange(4n, 7n)).toEqual(tnum(4n, 3n));
    expect(tnumIsConst(tnumRange(5n, 5n))).toBe(true);
  });

  it('arithmetic over-approximates every concrete result (seeded)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const pick = () => {
      const mask = BigInt(rnd() & 0x2d);
      return tnum(BigInt(rnd() & 0xff) & ~mask, mask);
    };
    const M = (1n << 64n) - 1n;
    for (let i = 0; i < 200; i++) {
      const a = pick();
      const b = pick();
      for (const x of members(a)) {
        for (const y of members(b)) {
          expect(tnumIn(tnumAdd(a, b), tnumConst((x + y) & M))).toBe(true);
          expect(tnumIn(tnumSub(a, b), tnumConst((x - y) & M))).toBe(true);
          expect(tnumIn(tnumAnd(a, b), tnumConst(x & y))).toBe(true);
          expect(tnumIn(tnumMul(a, b), tnumConst((x * y) & M))).toBe(true);
        }
      }
    }
  });

  it('prints like the verifier log', () => {
    expect(tnumStr(tnum(0n, 0xffn))).toBe('(0x0; 0xff)');
    expect(tnumIn(TNUM_UNKNOWN, tnumConst(42n))).toBe(true);
  });
});
