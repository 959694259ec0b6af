import { describe, expect, it } from 'vitest';
import type { HelperTable } from './engine.js';
import { VmFault } from './engine.js';
import type { Insn } from './insn.js';
import { prepare } from './interp.js';
import { compileJit, generateJit } from './jit.js';
import { AddressSpace, Region } from './memory.js';

const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = i(0x95);
const DATA = 0x10000000n;

function mem(bytes = new Uint8Array(64), writable = true) {
  const memory = new AddressSpace();
  memory.map(new Region('data', DATA, bytes, writable));
  return memory;
}

function fault(fn: () => unknown): VmFault {
  try {
    fn();
  } catch (err) {
    if (err instanceof VmFault) return err;
    throw err;
  }
  throw new Error('no fault');
}

describe('JIT', () => {
  it('is the default engine of prepare(); interp selects the interpreter', () => {
    const prog = [i(0xb7, 0, 0, 0, 7), EXIT];
    expect(prepare(prog).engine).toBe('jit');
    expect(prepare(prog, { engine: 'jit' }).engine).toBe('jit');
    expect(prepare(prog, { engine: 'interp' }).engine).toBe('interp');
    expect(prepare(prog).run({ memory: new AddressSpace() })).toBe(7n);
  });

  it('does 64-bit arithmetic on (hi, lo) words: carries, products, signed division', () => {
    const prog = [
      i(0x18, 1, 0, 0, -1),
      i(0, 0, 0, 0, 0), // r1 = 0xffffffff
      i(0x07, 1, 0, 0, 1), // r1 += 1 -> 0x1_0000_0000
      i(0x27, 1, 0, 0, 0x7fffffff), // r1 *= 0x7fffffff
      i(0xbf, 0, 1),
      i(0x37, 0, 0, 1, -3), // r0 s/= -3
      EXIT,
    ];
    const want = BigInt.asUintN(64, -((0x100000000n * 0x7fffffffn) / 3n));
    for (const engine of ['jit', 'interp'] as const) {
      expect(prepare(prog, { engine }).run({ memory: new AddressSpace() })).toBe(want);
    }
  });

  it('reads and writes regions, and faults outside them with the pc', () => {
    const bytes = new Uint8Array(16);
    const memory = mem(bytes);
    const prog = [i(0x7a, 1, 0, 8, -2), i(0x79, 0, 1, 8), i(0x61, 2, 1, 16), EXIT];
    const f = fault(() => compileJit(prog).run({ memory, args: [DATA] }));
    expect(f.kind).toBe('memory');
    expect(f.pc).toBe(2);
    expect(f.message).toBe(`pc 2: invalid read of 4 bytes at 0x${(DATA + 16n).toString(16)}`);
    expect(Buffer.from(bytes.subarray(8)).toString('hex')).toBe('feffffffffffffff');
    expect(compileJit(prog.slice(0, 2).concat(EXIT)).run({ memory, args: [DATA] })).toBe(2n ** 64n - 2n);
  });

  it('refuses stores to read-only regions', () => {
    const f = fault(() =>
      compileJit([i(0x62, 1, 0, 0, 1), EXIT]).run({ memory: mem(undefined, false), args: [DATA] }),
    );
    expect(f.kind).toBe('memory');
    expect(f.pc).toBe(0);
  });

  it('reads 0 where a probe load faults', () => {
    const prog = [i(0xb7, 0, 0, 0, 5), i(0x79, 0, 1, 0), EXIT];
    const memory = new AddressSpace();
    expect(compileJit(prog, { probeLoads: new Set([1]) }).run({ memory, args: [0xdead0000n] })).toBe(0n);
    expect(fault(() => compileJit(prog).run({ memory, args: [0xdead0000n] })).kind).toBe('memory');
  });

  it('counts the budget per instruction and faults at the exact pc', () => {
    // r0 = 0; loop: r0 += 1; if r0 < 100 goto loop; exit
    const prog = [i(0xb7, 0, 0, 0, 0), i(0x07, 0, 0, 0, 1), i(0xa5, 0, 0, -2, 100), EXIT];
    const memory = new AddressSpace();
    const exe = compileJit(prog, { budget: 1000 });
    expect(exe.run({ memory })).toBe(100n);
    expect(exe.lastExecuted).toBe(1 + 2 * 100 + 1);
    for (const budget of [0, 1, 2, 3, 150]) {
      const a = fault(() => compileJit(prog, { budget }).run({ memory }));
      const b = fault(() => prepare(prog, { engine: 'interp', budget }).run({ memory }));
      expect([a.kind, a.pc]).toEqual([b.kind, b.pc]);
      expect(a.kind).toBe('budget');
    }
  });

  it('calls bpf functions with their own stack frame and preserved r6-r9, at most 8 frames', () => {
    const prog = [
      i(0xb7, 6, 0, 0, 66),
      i(0x7a, 10, 0, -8, 11), // *(u64 *)(r10 - 8) = 11
      i(0x85, 0, 1, 0, 4), // call +4
      i(0x79, 1, 10, -8), // r1 = *(r10 - 8): still 11
      i(0x0f, 0, 6), // r0 += r6 (66)
      i(0x0f, 0, 1),
      EXIT,
      // callee:
      i(0xb7, 6, 0, 0, 1000),
      i(0x7a, 10, 0, -8, 22), // its own frame
      i(0x79, 0, 10, -8),
      EXIT,
    ];
    // callee r0 = 22; caller adds r6 = 66 and 11
    for (const engine of ['jit', 'interp'] as const) {
      expect(prepare(prog, { engine }).run({ memory: new AddressSpace() })).toBe(99n);
    }
    const recurse = [i(0x85, 0, 1, 0, -1), EXIT];
    const f = fault(() => compileJit(recurse).run({ memory: new AddressSpace() }));
    expect([f.kind, f.pc]).toEqual(['call-depth', 0]);
  });

  it('passes r1-r5 to helpers with the pc and run context, and maps their faults', () => {
    const seen: unknown[] = [];
    const helpers: HelperTable = new Map([
      [
        1,
        (env, r1, r2) => {
          seen.push(env.pc, env.runContext, r1, r2);
          return r1 + r2;
        },
      ],
      [2, (env, r1) => env.memory.load(r1, 8)],
    ]);
    const prog = [i(0xb7, 1, 0, 0, -1), i(0xb7, 2, 0, 0, 2), i(0x85, 0, 0, 0, 1), EXIT];
    expect(compileJit(prog, { helpers }).run({ memory: new AddressSpace(), runContext: 'ctx' })).toBe(1n);
    expect(seen).toEqual([2, 'ctx', 2n ** 64n - 1n, 2n]);
    const bad = [i(0xb7, 1, 0, 0, 8), i(0x85, 0, 0, 0, 2), EXIT];
    const f = fault(() => compileJit(bad, { helpers }).run({ memory: new AddressSpace() }));
    expect([f.kind, f.pc]).toEqual(['memory', 1]);
    const unknown = fault(() => compileJit([i(0x85, 0, 0, 0, 77), EXIT]).run({ memory: new AddressSpace() }));
    expect([unknown.kind, unknown.pc, unknown.message]).toEqual([
      'unknown-helper',
      0,
      'pc 0: unknown helper 77',
    ]);
  });

  it('notices a region a helper unmapped (region caches are dropped after helper calls)', () => {
    const memory = new AddressSpace();
    const region = memory.map(new Region('obj', DATA, new Uint8Array(8).fill(1)));
    const helpers: HelperTable = new Map([
      [
        1,
        (env) => {
          env.memory.unmap(region);
          return 0n;
        },
      ],
    ]);
    const prog = [i(0xbf, 6, 1), i(0x71, 7, 6, 0), i(0x85, 0, 0, 0, 1), i(0x71, 0, 6, 0), EXIT];
    const f = fault(() => compileJit(prog, { helpers }).run({ memory, args: [DATA] }));
    expect([f.kind, f.pc]).toEqual(['memory', 3]);
  });

  it('gives every run a fresh zeroed stack, and nested runs their own', () => {
    const memory = new AddressSpace();
    // r0 = *(u64 *)(r10 - 8); *(u64 *)(r10 - 8) = 5; maybe call helper 1 (a nested run); exit
    let inner: ReturnType<typeof compileJit> | undefined;
    const helpers: HelperTable = new Map([[1, (env) => inner!.run({ memory: env.memory, args: [0n] })]]);
    const prog = [
      i(0x79, 0, 10, -8),
      i(0x7a, 10, 0, -8, 5),
      i(0x15, 1, 0, 3, 0), // if r1 == 0 goto exit
      i(0xbf, 6, 0),
      i(0xb7, 1, 0, 0, 0),
      i(0x85, 0, 0, 0, 1), // r0 = nested run (sees a zero stack)
      EXIT,
    ];
    inner = compileJit(prog, { helpers });
    expect(inner.run({ memory, args: [0n] })).toBe(0n);
    expect(inner.run({ memory, args: [0n] })).toBe(0n);
    expect(inner.run({ memory, args: [1n] })).toBe(0n);
    expect(memory.all()).toEqual([]);
  });

  it('faults on jumps out of the program and into nothing, as the interpreter does', () => {
    const progs: Insn[][] = [
      [i(0x05, 0, 0, 5)], // ja out
      [i(0xb7, 0, 0, 0, 1)], // falls off the end
      [i(0x05, 0, 0, 1), i(0x18, 0, 0, 0, 1), i(0, 0, 0, 0, 2), EXIT], // ja into the 2nd slot of lddw
      [i(0xd4, 0, 0, 0, 48), EXIT], // bad endian width
      [i(0xb7, 11, 0, 0, 0), EXIT], // bad register
      [], // empty program
    ];
    for (const prog of progs) {
      const a = fault(() => compileJit(prog, { budget: 10 }).run({ memory: new AddressSpace() }));
      const b = fault(() =>
        prepare(prog, { engine: 'interp', budget: 10 }).run({ memory: new AddressSpace() }),
      );
      expect([a.kind, a.pc, a.message]).toEqual([b.kind, b.pc, b.message]);
    }
  });

  it('compiles a single-block loop to a native loop', () => {
    const src = generateJit([i(0x07, 0, 0, 0, 1), i(0xa5, 0, 0, -2, 100), EXIT]).source;
    expect(src).toContain('L0: for (;;)');
    expect(src).toContain('continue L0;');
  });
});
