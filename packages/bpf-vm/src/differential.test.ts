import { describe, expect, it } from 'vitest';
import { Interpreter } from './interp.js';
import { compileJit } from './jit.js';
import { differential, differentialHelpers, observe } from './jitDifferential.js';

const SEEDS = 400;

describe('interpreter vs JIT on seeded random programs', () => {
  it(`agree on ${SEEDS} programs (r0, memory, faults with pc and message)`, () => {
    const tally = new Map<string, number>();
    const mismatches = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const m = differential(seed, 3000, tally);
      if (m) mismatches.push(m);
    }
    expect(mismatches.slice(0, 2)).toEqual([]);
    // The corpus is worth something: many programs finish, and each fault kind shows up.
    expect(tally.get('result') ?? 0).toBeGreaterThan(SEEDS / 5);
    expect(tally.get('unbudgeted') ?? 0).toBeGreaterThan(SEEDS / 5);
    for (const kind of ['memory', 'budget', 'invalid-insn', 'bad-jump', 'unknown-helper']) {
      expect(tally.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
    expect(tally.get('error') ?? 0).toBe(0);
  });

  it('the comparison notices a difference', () => {
    // r1 = 5; call 1; exit: the same program with helper 1 changed must not compare equal.
    const insns = [
      { code: 0xb7, dst: 1, src: 0, off: 0, imm: 5 },
      { code: 0x85, dst: 0, src: 0, off: 0, imm: 1 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ];
    const a = new Interpreter(insns, { helpers: differentialHelpers });
    const changed = new Map(differentialHelpers);
    changed.set(1, () => 12345n);
    const b = compileJit(insns, { helpers: changed });
    const oa = observe((memory, args) => a.run({ memory, args }), 1);
    const ob = observe((memory, args) => b.run({ memory, args }), 1);
    expect(oa.outcome).toEqual({ r0: '4f' }); // 5*3 + (64 ^ 0) - 0
    expect(ob.outcome).toEqual({ r0: '3039' });
  });
});
