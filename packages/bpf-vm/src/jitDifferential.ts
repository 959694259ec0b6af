/**
 * Differential execution of one program on the interpreter and the JIT:
 * same inputs, same helpers; the outcomes (r0 or the fault's kind, pc and
 * message, and the data region's bytes afterwards) must be identical.
 */
import type { HelperTable, PrepareOptions } from './engine.js';
import { VmFault } from './engine.js';
import type { Insn } from './insn.js';
import { Interpreter } from './interp.js';
import { compileJit } from './jit.js';
import { AddressSpace, Region } from './memory.js';
import { DATA_SIZE, Rng, RODATA_SIZE, randomProgram } from './randomProgram.js';

const M64 = (1n << 64n) - 1n;
const DATA_BASE = 0x10000000n;
const RODATA_BASE = 0xffff888000001000n;

/** The helpers random programs call: pure, memory-reading, memory-writing, odd results, faulting. */
export const differentialHelpers: HelperTable = new Map([
  [1, (_env, r1, r2, _r3, r4, r5) => (r1 * 3n + (r2 ^ r5) - r4) & M64],
  [2, (env, r1) => env.memory.load(r1, 8)],
  [
    3,
    (env, r1, r2) => {
      env.memory.store(r1, 4, r2);
      return 0n;
    },
  ],
  [4, (_env, r1) => (r1 & 1n ? -1n : (1n << 70n) + r1)],
  [
    5,
    (env, r1) => {
      if (r1 & 1n) throw new VmFault('memory', env.pc, 'helper refuses odd r1');
      return r1 >> 1n;
    },
  ],
]);

export type Outcome = { r0: string } | { fault: string; pc: number; message: string } | { error: string };

export interface Observation {
  outcome: Outcome;
  data: string;
}

/** Runs a prepared program on fresh memory seeded from `seed`. */
export function observe(run: (memory: AddressSpace, args: bigint[]) => bigint, seed: number): Observation {
  const rng = new Rng(seed ^ 0x5eed);
  const data = Uint8Array.from({ length: DATA_SIZE }, () => rng.int(256));
  const rodata = Uint8Array.from({ length: RODATA_SIZE }, () => rng.int(256));
  const memory = new AddressSpace();
  memory.map(new Region('data', DATA_BASE, data));
  memory.map(new Region('rodata', RODATA_BASE, rodata, false));
  let outcome: Outcome;
  try {
    outcome = { r0: run(memory, [DATA_BASE, BigInt(DATA_SIZE), RODATA_BASE]).toString(16) };
  } catch (err) {
    if (err instanceof VmFault) outcome = { fault: err.kind, pc: err.pc, message: err.message };
    else outcome = { error: String(err) };
  }
  if (memory.all().length !== 2) outcome = { error: `leaked regions: ${memory.all().length}` };
  return { outcome, data: Buffer.from(data).toString('hex') };
}

export interface Mismatch {
  seed: number;
  mode: string;
  interp: Observation;
  jit: Observation;
  insns: Insn[];
}

/**
 * Runs random program `seed` on the interpreter and on the JIT (with the
 * budget, and without it when the program always ends). Returns the first
 * difference, or undefined.
 */
export function differential(seed: number, budget = 3000, tally?: Map<string, number>): Mismatch | undefined {
  const prog = randomProgram(seed);
  const base: PrepareOptions = { helpers: differentialHelpers, probeLoads: prog.probeLoads };
  const interp = new Interpreter(prog.insns, { ...base, budget });
  const expected = observe((memory, args) => interp.run({ memory, args }), seed);
  if (tally) {
    const o = expected.outcome;
    const key = 'r0' in o ? 'result' : 'fault' in o ? o.fault : 'error';
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (prog.terminates) tally.set('unbudgeted', (tally.get('unbudgeted') ?? 0) + 1);
  }
  const modes: [string, PrepareOptions][] = [['jit+budget', { ...base, budget }]];
  if (prog.terminates) modes.push(['jit', base]);
  for (const [mode, options] of modes) {
    const jit = compileJit(prog.insns, options);
    const got = observe((memory, args) => jit.run({ memory, args }), seed);
    // Without a budget, a program the interpreter stopped for budget may legitimately go on.
    if (mode === 'jit' && 'fault' in expected.outcome && expected.outcome.fault === 'budget') continue;
    if (JSON.stringify(got) !== JSON.stringify(expected))
      return { seed, mode, interp: expected, jit: got, insns: prog.insns };
  }
  return undefined;
}
