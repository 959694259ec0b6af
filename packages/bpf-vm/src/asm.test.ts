import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AsmError, assemble } from './asm.js';
import { disassemble, formatInsnText } from './disasm.js';
import { decodeInsns, encodeInsns, type Insn } from './insn.js';
import { prepare } from './interp.js';
import { AddressSpace } from './memory.js';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const hex = (insns: readonly Insn[]) => Buffer.from(encodeInsns(insns)).toString('hex');

const REGS = [0, 1, 5, 9, 10];
const IMMS = [0, 1, -1, 7, 0x7fffffff, -0x80000000, 123456];
const OFFS = [0, 1, -1, 8, -8, 0x7fff, -0x8000];
const SIZES = [0x00, 0x08, 0x10, 0x18];

/**
 * Every instruction form the kernel syntax can express, in its canonical
 * encoding (fields the syntax does not show are 0), over a spread of
 * registers, offsets and immediates.
 */
function allForms(): Insn[][] {
  const forms: Insn[][] = [];
  const add = (...slots: Insn[]) => forms.push(slots);
  // ALU and ALU64
  for (const cls of [0x04, 0x07]) {
    for (const op of [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0]) {
      const offs = op === 0x30 || op === 0x90 ? [0, 1] : [0];
      for (const dst of REGS) {
        for (const off of offs) {
          for (const imm of IMMS) add(I(cls | op, dst, 0, off, imm));
          for (const src of REGS) add(I(cls | op | 0x08, dst, src, off));
        }
        if (op === 0xb0) for (const sx of [8, 16, 32]) add(I(cls | op | 0x08, dst, 3, sx));
      }
    }
    for (const dst of REGS) add(I(cls | 0x80, dst));
  }
  for (const dst of REGS) {
    for (const w of [16, 32, 64]) {
      add(I(0xd4, dst, 0, 0, w)); // le
      add(I(0xdc, dst, 0, 0, w)); // be
      add(I(0xd7, dst, 0, 0, w)); // bswap
    }
    add(I(0xbf, dst, 2, 1, (1 << 16) | 0)); // addr_space_cast
    add(I(0xbf, dst, 2, 1, 0 | 1));
    add(I(0xbf, dst, 4, -1)); // per-CPU address
  }
  // LDX (MEM, MEMSX), ST, STX, atomics
  for (const size of SIZES) {
    for (const off of OFFS) {
      for (const [dst, src] of [
        [0, 1],
        [10, 9],
        [3, 3],
      ] as const) {
        add(I(0x61 | size, dst, src, off));
        if (size !== 0x18) add(I(0x81 | size, dst, src, off));
        add(I(0x63 | size, dst, src, off));
        for (const imm of IMMS) add(I(0x62 | size, dst, 0, off, imm));
        for (const imm of [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1, 0x100, 0x110]) {
          add(I(0xc3 | size, dst, src, off, imm));
        }
      }
    }
    // legacy packet loads
    for (const imm of IMMS) {
      add(I(0x20 | size, 0, 0, 0, imm));
      add(I(0x40 | size, 0, 7, 0, imm));
    }
  }
  add(I(0xc2));
  // LD_IMM64, plain and pseudo
  for (const dst of REGS) {
    for (const [lo, hi] of [
      [0, 0],
      [1, 0],
      [-1, -1],
      [0, 0xffff8881 | 0],
      [0x12345678, 0x7abcdef0],
      [-0x80000000, 0],
    ] as const) {
      add(I(0x18, dst, 0, 0, lo), I(0, 0, 0, 0, hi));
    }
    for (const id of [0, 1, 5, 0x7fffffff]) {
      add(I(0x18, dst, 1, 0, id), I(0));
      add(I(0x18, dst, 5, 0, id), I(0));
      add(I(0x18, dst, 3, 0, id), I(0));
      for (const off of [0, 8, 4096, -4]) {
        add(I(0x18, dst, 2, 0, id), I(0, 0, 0, 0, off));
        add(I(0x18, dst, 6, 0, id), I(0, 0, 0, 0, off));
      }
    }
    for (const rel of [0, 5, -46]) add(I(0x18, dst, 4, 0, rel), I(0));
  }
  // JMP and JMP32
  for (const cls of [0x05, 0x06]) {
    for (const op of [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]) {
      for (const dst of REGS) {
        for (const off of OFFS) {
          for (const imm of IMMS) add(I(cls | op, dst, 0, off, imm));
          for (const src of REGS) add(I(cls | op | 0x08, dst, src, off));
        }
      }
    }
  }
  for (const off of OFFS) {
    add(I(0x05, 0, 0, off));
    add(I(0xe5, 0, 0, off));
  }
  for (const imm of IMMS) {
    add(I(0x06, 0, 0, 0, imm));
    add(I(0x85, 0, 1, 0, imm)); // bpf-to-bpf call
    add(I(0x85, 0, 2, 0, imm)); // kfunc
  }
  for (const id of [0, 1, 5, 126, 211, 212, 100000, -1]) add(I(0x85, 0, 0, 0, id));
  for (const r of REGS) {
    add(I(0x8d, r));
    add(I(0x0d, r));
  }
  add(I(0x95));
  return forms;
}

describe('assemble', () => {
  it('round-trips every instruction form: disasm -> asm gives the same encoding', () => {
    const forms = allForms();
    expect(forms.length).toBeGreaterThan(8000);
    const codes = new Set<number>();
    let failures = 0;
    for (const slots of forms) {
      const text = formatInsnText(slots, 0, { pseudo: 'xlated' });
      let got: string;
      try {
        got = hex(assemble(text));
      } catch (e) {
        got = String(e);
      }
      if (got !== hex(slots) && failures++ < 10) {
        expect.soft(got, `${text} (${hex(slots)})`).toBe(hex(slots));
      }
      codes.add(slots[0]!.code);
    }
    expect(failures).toBe(0);
    // Every opcode the syntax expresses: ALU/ALU64 53, LDX 7, ST/STX/atomic 12,
    // nospec 1, legacy packet loads 8, ld_imm64 1, JMP/JMP32 51.
    expect(codes.size).toBe(133);
  });

  it('reads whole listings with pc and opcode prefixes, comments and verifier state', () => {
    const listing = [
      'func#0 @0', // not an instruction: rejected below, so strip first
    ];
    expect(() => assemble(listing.join('\n'))).toThrow(AsmError);
    const text = [
      '0: R1=ctx() R10=fp0'.replace(/.*/, '; 0: R1=ctx() R10=fp0'),
      '0: (79) r2 = *(u64 *)(r1 +0)          ; R2=trusted_ptr_bpf_iter_meta()',
      '1: (18) r1 = 0xffff888100000000',
      '3: (55) if r1 != 0x0 goto pc+1   // comment',
      '# a full-line comment',
      '4: (b7) r0 = 0',
      '   5: (95) exit',
    ].join('\n');
    const insns = assemble(text);
    expect(disassemble(insns, { pseudo: 'kernel' })).toBe(
      [
        '0: (79) r2 = *(u64 *)(r1 +0)',
        '1: (18) r1 = 0xffff888100000000',
        '3: (55) if r1 != 0x0 goto pc+1',
        '4: (b7) r0 = 0',
        '5: (95) exit',
        '',
      ].join('\n'),
    );
  });

  it('resolves labels for jumps, calls, may_goto, gotol and subprog references', () => {
    const insns = assemble(`
      r1 = subprog[fn]
      loop:
        r0 += 1
        if r0 < 10 goto loop
        may_goto out
        gotol out
        call fn
      out: exit
      fn:
        r0 = 7
        exit
    `);
    expect(disassemble(insns)).toBe(
      [
        '0: (18) r1 = subprog[+7]',
        '2: (07) r0 += 1',
        '3: (a5) if r0 < 0xa goto pc-2',
        '4: (e5) may_goto pc+2',
        '5: (06) gotol pc+1',
        '6: (85) call pc+1',
        '7: (95) exit',
        '8: (b7) r0 = 7',
        '9: (95) exit',
        '',
      ].join('\n'),
    );
  });

  it('distinguishes mov from ld_imm64 the way the kernel prints them', () => {
    expect(assemble('r1 = 5')).toEqual([I(0xb7, 1, 0, 0, 5)]);
    expect(assemble('r1 = 0x5')).toEqual([I(0x18, 1, 0, 0, 5), I(0)]);
    expect(assemble('r1 = 5 ll')).toEqual([I(0x18, 1, 0, 0, 5), I(0)]);
    expect(assemble('r1 = 0xffffffffffffffff ll')).toEqual([I(0x18, 1, 0, 0, -1), I(0, 0, 0, 0, -1)]);
    expect(assemble('r1 = -1 ll')).toEqual([I(0x18, 1, 0, 0, -1), I(0, 0, 0, 0, -1)]);
    expect(assemble('w1 = 0x5')).toEqual([I(0xb4, 1, 0, 0, 5)]);
  });

  it('names helpers and kfuncs: bpf_* helpers by name, other names with #id are kfuncs', () => {
    expect(assemble('call bpf_seq_printf')).toEqual([I(0x85, 0, 0, 0, 126)]);
    expect(assemble('call bpf_seq_printf#126')).toEqual([I(0x85, 0, 0, 0, 126)]);
    expect(assemble('call bpf_obj_new_impl#54321')).toEqual([I(0x85, 0, 2, 0, 54321)]);
    expect(assemble('call kernel-function#7')).toEqual([I(0x85, 0, 2, 0, 7)]);
    expect(assemble('call my_helper', { helperId: (n) => (n === 'my_helper' ? 5 : undefined) })).toEqual([
      I(0x85, 0, 0, 0, 5),
    ]);
  });

  it.each([
    ['r1 = r2 +', '1:1: cannot parse instruction'],
    ['r12 = 1', '1:1: invalid register r12'],
    ['  exit\n  r1 += w2', '2:9: register width mismatch: r1 with w2'],
    ['  exit\n  r1 +=', "2:3: cannot parse instruction 'r1 +='"],
    ['w1 += r2', '1:7: register width mismatch'],
    ['if r1 > w2 goto pc+1', '1:9: register width mismatch'],
    ['r1 = *(u32 *)(r2 +40000)', '1:18: offset +40000 out of range'],
    ['*(u32 *)(r2 +0) = 4294967296', '1:19: immediate 4294967296 out of range'],
    ['r1 = *(s64 *)(r2 +0)', '1:8: invalid access size s64'],
    ['goto nowhere', '1:6: unknown label'],
    ['a: exit\na: exit', "2:1: label 'a' defined twice"],
    ['0: (bf) r1 = r2\n2: exit', '2:1: line says pc 2, but this is instruction 1'],
    ['0: (b7) r1 = r2', '1:4: opcode prefix (b7) does not match the instruction, which is (bf)'],
    ['call bpf_seq_printf#1', '1:21: helper bpf_seq_printf is #126, not #1'],
    ['r1 = atomic_fetch_add((u64 *)(r1 +0), r1)', '1:24: atomic does not match access size u64'],
    [
      'r2 = atomic64_fetch_add((u64 *)(r1 +0), r3)',
      '1:41: atomic fetch: r2 and r3 must be the same register',
    ],
    ['r0 = bswap16 r1', '1:14: bswap: r0 and r1 must be the same register'],
    ['r1 = 0x10000000000000000', '1:6: 64-bit constant 0x10000000000000000 out of range'],
    ['goto pc+40000', '1:6: jump offset pc+40000 out of range'],
  ])('rejects %j with %s', (src, msg) => {
    let err: unknown;
    try {
      assemble(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AsmError);
    expect((err as AsmError).message).toContain(msg);
  });

  it('reports line and column as fields', () => {
    try {
      assemble('exit\n\n    bogus r1');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ line: 3, column: 5 });
    }
  });
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusFile = path.resolve(repoRoot, '../shared/conformance/tests.json');
const haveCorpus = fs.existsSync(corpusFile);

describe.skipIf(!haveCorpus)('assemble: conformance programs round-trip', () => {
  it('every program: bytes -> disassemble -> assemble -> the same bytes', () => {
    const tests: { name: string; program: string }[] = JSON.parse(fs.readFileSync(corpusFile, 'utf8')).tests;
    expect(tests.length).toBe(313);
    const bad: string[] = [];
    for (const t of tests) {
      const insns = decodeInsns(Uint8Array.from(Buffer.from(t.program, 'hex')), { checkLdImm64: true });
      for (const layout of ['verifier', 'plain'] as const) {
        const text = disassemble(insns, { layout });
        let got: string;
        try {
          got = hex(assemble(text));
        } catch (e) {
          got = String(e);
        }
        if (got !== t.program) bad.push(`${t.name} (${layout}): ${got}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('README example', () => {
  it('assembles, disassembles and runs a program', () => {
    // --- README example start
    const insns = assemble(`
      r0 = 0
    loop:
      r0 += 3
      if r0 < 10 goto loop
      exit
    `);
    expect(disassemble(insns)).toBe(
      '0: (b7) r0 = 0\n1: (07) r0 += 3\n2: (a5) if r0 < 0xa goto pc-2\n3: (95) exit\n',
    );
    const r0 = prepare(insns).run({ memory: new AddressSpace() }); // the JIT by default
    expect(r0).toBe(12n);
    // --- README example end
  });
});

describe('fuzz (seeded)', () => {
  // xorshift32, so failures reproduce.
  const rng = (seed: number) => () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };

  it('random slots: the text never throws, and any text that assembles is a fixpoint', () => {
    const next = rng(0x9e3779b9);
    let assembled = 0;
    for (let n = 0; n < 20000; n++) {
      const r = next();
      const slots = [
        I(r & 0xff, (r >>> 8) & 0xf, (r >>> 12) & 0xf, ((next() & 0xffff) << 16) >> 16, next() | 0),
        I(0, 0, 0, 0, next() | 0),
      ];
      const text = formatInsnText(slots, 0, { pseudo: 'xlated' });
      let back: Insn[];
      try {
        back = assemble(text);
      } catch (e) {
        expect(e).toBeInstanceOf(AsmError);
        continue;
      }
      assembled++;
      expect(formatInsnText([...back, I(0)], 0, { pseudo: 'xlated' }), text).toBe(text);
    }
    expect(assembled).toBeGreaterThan(5000);
  });

  it('mangled listings: assemble succeeds or throws AsmError with a position inside the text', () => {
    const next = rng(12345);
    const lines = disassemble(
      allForms()
        .filter((_, k) => k % 7 === 0)
        .flat(),
      { layout: 'plain' },
    ).split('\n');
    const alphabet = ' \t()*+-=<>&|^#[]:,;0123456789abcdefrwxsul_.';
    for (let n = 0; n < 20000; n++) {
      let line = lines[next() % lines.length]!;
      for (let k = next() % 3; k >= 0; k--) {
        const at = next() % (line.length + 1);
        const op = next() % 3;
        const ch = alphabet[next() % alphabet.length]!;
        line =
          op === 0
            ? line.slice(0, at) + ch + line.slice(at)
            : op === 1
              ? line.slice(0, at) + line.slice(at + 1)
              : line.slice(0, at) + ch + line.slice(at + 1);
      }
      try {
        assemble(line);
      } catch (e) {
        expect(e, line).toBeInstanceOf(AsmError);
        const { line: l, column } = e as AsmError;
        expect(l).toBe(1);
        expect(column).toBeGreaterThanOrEqual(1);
        expect(column).toBeLessThanOrEqual(line.length + 1);
      }
    }
  });
});
