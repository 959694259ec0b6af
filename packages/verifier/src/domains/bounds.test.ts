import { describe, expect, it } from 'vitest';
import { constScalar, formatReg, type Reg, U32_MAX, unknownScalar } from '../regState.js';
import { fakeBtf } from '../testing/fakePlatform.js';
import { coerceToSize, regBoundsSync, scalarAlu } from './bounds.js';
import { tnumIn, tnumRange } from './tnum.js';

const ctx = { btf: fakeBtf(), curFrame: 0 };
const show = (r: Reg) => formatReg(r, ctx);

/** An unknown scalar whose low 32 bits are in [lo, hi] (what a JMP32 branch leaves). */
function sub32(lo: bigint, hi: bigint): Reg {
  const r = unknownScalar();
  r.u32min = lo;
  r.u32max = hi;
  regBoundsSync(r);
  return r;
}

describe('reg_bounds_sync', () => {
  it('tightens the 64-bit bounds with the 32-bit ones (Linux 6.18 __reg_deduce_mixed_bounds)', () => {
    // the kernel logs this register after `if w2 > 0x64` (golden jmp32_refine)
    expect(show(sub32(0n, 100n))).toBe(
      'scalar(smax=0x7fffffff00000064,umax=0xffffffff00000064,smin32=0,smax32=umax32=100,var_off=(0x0; 0xffffffff0000007f))',
    );
    expect(show(sub32(50n, 100n))).toBe(
      'scalar(smin=0x8000000000000032,smax=0x7fffffff00000064,umin=smin32=umin32=50,umax=0xffffffff00000064,smax32=umax32=100,var_off=(0x0; 0xffffffff0000007f))',
    );
  });

  it('keeps every bound consistent with the tnum', () => {
    for (const [lo, hi] of [
      [0n, 7n],
      [3n, 200n],
      [0x100n, 0x1ffn],
    ] as const) {
      const r = unknownScalar();
      r.umin = lo;
      r.umax = hi;
      regBoundsSync(r);
      expect(tnumIn(r.varOff, tnumRange(lo, hi)) || tnumIn(tnumRange(lo, hi), r.varOff)).toBe(true);
      expect(r.smin).toBe(lo);
      expect(r.smax).toBe(hi);
      expect(r.u32max).toBe(hi);
    }
  });
});

describe('scalar ALU (adjust_scalar_min_max_vals)', () => {
  const masked = (m: bigint) => scalarAlu('and', unknownScalar(), constScalar(m), false);
  it('and/add/rsh follow the kernel (golden alu_bounds: ((x & 15) + 1) >> 4 is in [0, 1])', () => {
    const a = masked(15n);
    expect(show(a)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))');
    const b = scalarAlu('add', a, constScalar(1n), false);
    expect([b.umin, b.umax]).toEqual([1n, 16n]);
    const c = scalarAlu('rsh', b, constScalar(4n), false);
    expect([c.umin, c.umax, c.smin, c.smax]).toEqual([0n, 1n, 0n, 1n]);
  });
  it('constants fold', () => {
    expect(show(scalarAlu('mul', constScalar(6n), constScalar(7n), false))).toBe('42');
    expect(show(scalarAlu('xor', constScalar(0xf0n), constScalar(0xffn), false))).toBe('15');
    expect(show(scalarAlu('sub', constScalar(0n), constScalar(1n), false))).toBe('-1');
  });
  it('32-bit ops zero-extend', () => {
    const r = scalarAlu('sub', constScalar(0n), constScalar(1n), true);
    expect(r.umax).toBe(U32_MAX);
    expect(show(r)).toBe('0xffffffff');
  });
  it('an overflowing add loses its unsigned bounds but keeps the tnum', () => {
    const big = unknownScalar();
    big.umin = 1n << 63n;
    regBoundsSync(big);
    const r = scalarAlu('add', big, big, false);
    expect(r.umin).toBe(0n);
  });
});

describe('coerce_reg_to_size', () => {
  it('narrow loads keep the low bytes of a known range', () => {
    const r = constScalar(0x1234n);
    coerceToSize(r, 1);
    expect(show(r)).toBe('52');
    const u = unknownScalar();
    coerceToSize(u, 2);
    expect(show(u)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))');
  });
});
