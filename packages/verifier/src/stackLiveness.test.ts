import { describe, expect, it } from 'vitest';
import { checkCfg } from './cfg.js';
import { ALL_SLOTS } from './stackLiveness.js';
import { alu64i, call, exit, jmpi, ldx, mov64i, mov64r, stx } from './testing/asm.js';

const live = (insns: Parameters<typeof checkCfg>[0]) => checkCfg(insns, () => {}, false).stackLive;
const slot = (spi: number) => 1n << BigInt(spi);

describe('static stack slot liveness', () => {
  it('a slot is live from its write until its last read', () => {
    const l = live([mov64i(1, 0), stx('dw', 10, 1, -8), ldx('dw', 0, 10, -8), mov64i(0, 0), exit()]);
    expect(l[1]).toBe(0n); // the store kills fp-8 before it
    expect(l[2]).toBe(slot(0));
    expect(l[3]).toBe(0n);
  });
  it('a read through a copy of r10 may read any slot', () => {
    const l = live([mov64r(2, 10), alu64i('add', 2, -16), ldx('dw', 0, 2, 0), exit()]);
    expect(l[2]).toBe(ALL_SLOTS);
  });
  it('a helper given a stack pointer may read any slot; one given none reads none', () => {
    const withStack = live([
      mov64r(2, 10),
      alu64i('add', 2, -8),
      mov64i(3, 8),
      call(127),
      mov64i(0, 0),
      exit(),
    ]);
    expect(withStack[3]).toBe(ALL_SLOTS);
    const without = live([mov64i(1, 0), call(5), mov64i(0, 0), exit()]);
    expect(without[1]).toBe(0n);
  });
  it('both branch targets contribute', () => {
    const l = live([
      ldx('dw', 2, 1, 0),
      jmpi('jeq', 2, 0, 2),
      ldx('dw', 0, 10, -16),
      exit(),
      ldx('dw', 0, 10, -24),
      exit(),
    ]);
    expect(l[1]).toBe(slot(1) | slot(2));
  });
  it('a pointer filled from the stack is a stack pointer', () => {
    const l = live([mov64r(2, 10), stx('dw', 10, 2, -8), ldx('dw', 3, 10, -8), ldx('dw', 0, 3, -16), exit()]);
    expect(l[3]).toBe(ALL_SLOTS);
  });
});
