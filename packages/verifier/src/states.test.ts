import { describe, expect, it } from 'vitest';
import { regBoundsSync } from './domains/bounds.js';
import { constScalar, notInit, PTR_MAYBE_NULL, pointer, type Reg, unknownScalar } from './regState.js';
import { IdMap, regsafe, regsExact, type State, statesMaybeLooping } from './states.js';

const range = (lo: bigint, hi: bigint): Reg => {
  const r = unknownScalar();
  r.umin = lo;
  r.umax = hi;
  regBoundsSync(r);
  return r;
};
const state = (regs: Reg[]): State => ({
  pc: 3,
  frames: [{ frameno: 0, callsite: -1, subprog: 0, regs, stack: new Map() }],
});

describe('regsafe: is the current register covered by the explored one', () => {
  it('scalars by range and tnum containment', () => {
    expect(regsafe(range(0n, 10n), range(2n, 5n), new IdMap())).toBe(true);
    expect(regsafe(range(2n, 5n), range(0n, 10n), new IdMap())).toBe(false);
    expect(regsafe(range(0n, 10n), constScalar(7n), new IdMap())).toBe(true);
  });
  it('anything covers NOT_INIT only in the old state', () => {
    expect(regsafe(notInit(), pointer('PTR_TO_CTX'), new IdMap())).toBe(true);
    expect(regsafe(pointer('PTR_TO_CTX'), notInit(), new IdMap())).toBe(false);
  });
  it('pointers need the same type, flags and offset, and ids that map one to one', () => {
    const a = pointer('PTR_TO_BTF_ID', PTR_MAYBE_NULL, { btfId: 5, id: 1 });
    const b = pointer('PTR_TO_BTF_ID', PTR_MAYBE_NULL, { btfId: 5, id: 7 });
    const ids = new IdMap();
    expect(regsafe(a, b, ids)).toBe(true);
    // the same old id must keep mapping to 7
    expect(regsafe(a, { ...b, id: 8 }, ids)).toBe(false);
    expect(
      regsafe(pointer('PTR_TO_STACK', 0, { off: -8 }), pointer('PTR_TO_STACK', 0, { off: -16 }), new IdMap()),
    ).toBe(false);
  });
});

describe('loop detection', () => {
  it('states_maybe_looping compares the registers exactly', () => {
    const regs = () => [
      constScalar(0n),
      pointer('PTR_TO_CTX'),
      ...Array.from({ length: 8 }, notInit),
      pointer('PTR_TO_STACK'),
    ];
    expect(statesMaybeLooping(state(regs()), state(regs()))).toBe(true);
    const other = regs();
    other[0] = constScalar(1n);
    expect(statesMaybeLooping(state(regs()), state(other))).toBe(false);
  });
  it('regs_exact tells equal ranges apart from contained ones', () => {
    expect(regsExact(range(0n, 7n), range(0n, 7n), new IdMap())).toBe(true);
    expect(regsExact(range(0n, 7n), range(0n, 3n), new IdMap())).toBe(false);
  });
});
