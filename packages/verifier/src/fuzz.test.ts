/**
 * Random programs (seeded, deterministic): verify() must always answer —
 * never throw, never hit an internal error ("verifier bug"), always end with
 * the statistics line — and give the same answer twice. And what it accepts
 * must run on the VM without a memory fault (DESIGN.md: "an accepted program
 * must never fault the VM"), with ctx->task NULL and not NULL.
 */
import { AddressSpace, type HelperFn, type Insn, prepare, Region, VmFault } from '@tsbpf/bpf-vm';
import { describe, expect, it } from 'vitest';
import { raw } from './testing/asm.js';
import { fakePlatform } from './testing/fakePlatform.js';
import { verify } from './verify.js';

const platform = fakePlatform();
const attachBtfId = platform.btf.findByName('bpf_iter_task', 'FUNC')!;

/** xorshift32: a small deterministic generator. */
function rng(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const SIZES = [0x00, 0x08, 0x10, 0x18];
const IMMS = [0, 1, -1, 7, 8, 16, 32, 63, 64, 255, 0x7fffffff, -8, -16];

/** Well-formed encodings (reserved fields zero): X forms have imm 0, K forms src 0; one in 16 is left raw. */
let raws = 0;
function alu(cls: number, op: number, x: boolean, dst: number, src: number, imm: number): Insn {
  if (++raws % 16 === 0) return raw(cls | op | (x ? 8 : 0), dst, src, 0, imm);
  return x ? raw(cls | op | 8, dst, src) : raw(cls | op, dst, 0, 0, imm);
}
function jmp(op: number, x: boolean, dst: number, src: number, off: number, imm: number): Insn {
  return x ? raw(0x05 | op | 8, dst, src, off) : raw(0x05 | op, dst, 0, off, imm);
}

/** A prologue giving registers of every kind: ctx, BTF pointer, unknown scalar, stack pointer, constants. */
const PROLOGUE: Insn[] = [
  raw(0x79, 2, 1, 0), // r2 = ctx->meta
  raw(0x79, 3, 2, 16), // r3 = meta->seq_num
  raw(0xbf, 4, 10), // r4 = r10
  raw(0x07, 4, 0, 0, -16), // r4 += -16
  raw(0xb7, 5, 0, 0, 3),
  raw(0xb7, 6, 0, 0, 0),
  raw(0x79, 7, 1, 8), // r7 = ctx->task (may be NULL)
  raw(0xb7, 8, 0, 0, -1),
  raw(0xb7, 9, 0, 0, 8),
  raw(0xb7, 0, 0, 0, 0),
];

function randomProgram(r: (n: number) => number): Insn[] {
  const n = 2 + r(24);
  const out: Insn[] = [...PROLOGUE];
  const reg = () => r(11);
  for (let k = 0; k < n; k++) {
    const left = n - k;
    switch (r(8)) {
      case 0:
      case 1: // ALU/ALU64 with immediate or register
        out.push(alu(r(2) ? 0x07 : 0x04, r(14) << 4, r(2) === 1, r(10), reg(), IMMS[r(IMMS.length)]!));
        break;
      case 2: // load from ctx, stack or a register
        out.push(raw(0x61 | SIZES[r(4)]!, r(10), [1, 10, reg()][r(3)]!, [0, 8, 16, -8, -16, 4][r(6)]!));
        break;
      case 3: // store register
        out.push(raw(0x63 | SIZES[r(4)]!, [10, reg()][r(2)]!, reg(), [-8, -16, -24, 0, 8][r(5)]!));
        break;
      case 4: // store immediate
        out.push(
          raw(0x62 | SIZES[r(4)]!, [10, reg()][r(2)]!, 0, [-8, -16, -4][r(3)]!, IMMS[r(IMMS.length)]!),
        );
        break;
      case 5: // conditional jump forward or back, in range
        out.push(
          jmp(
            (1 + r(13)) << 4,
            r(2) === 1,
            r(10),
            reg(),
            r(left + 1) - r(Math.min(k + 1, 4)),
            IMMS[r(IMMS.length)]!,
          ),
        );
        break;
      case 6: // helper call
        out.push(raw(0x85, 0, 0, 0, [5, 126, 127, 6][r(4)]!));
        break;
      default: // mov
        out.push(alu(0x07, 0xb0, r(2) === 1, r(10), reg(), IMMS[r(IMMS.length)]!));
    }
  }
  out.push(raw(0xb7, 0, 0, 0, 0), raw(0x95));
  return out;
}

/** Kernel memory for an iterator run: ctx, bpf_iter_meta, seq_file, task_struct (fakeBtf layouts). */
function machine(withTask: boolean): { memory: AddressSpace; ctx: bigint } {
  const memory = new AddressSpace();
  const ctx = 0xffff888000001000n;
  const meta = 0xffff888000002000n;
  const seq = 0xffff888000003000n;
  const task = 0xffff888000004000n;
  const region = (name: string, at: bigint, size: number, words: [number, bigint][] = []) => {
    const r = memory.map(new Region(name, at, new Uint8Array(size)));
    for (const [off, v] of words) r.view.setBigUint64(off, v, true);
  };
  region('bpf_iter__task', ctx, 16, [
    [0, meta],
    [8, withTask ? task : 0n],
  ]);
  region('bpf_iter_meta', meta, 24, [
    [0, seq],
    [16, 3n],
  ]);
  region('seq_file', seq, 120);
  region('task_struct', task, 64, [[16, task]]);
  return { memory, ctx };
}

/** bpf_seq_printf / bpf_seq_write read the memory they are given, as the kernel's do. */
const helpers = new Map<number, HelperFn>([
  [5, () => 0n],
  [
    126,
    (env, _seq, fmt, fmtSize, data, dataLen) => {
      env.memory.readBytes(fmt, Number(fmtSize));
      if (data) env.memory.readBytes(data, Number(dataLen));
      return 0n;
    },
  ],
  [
    127,
    (env, _seq, data, len) => {
      if (len) env.memory.readBytes(data, Number(len));
      return 0n;
    },
  ],
]);

describe('verify on random programs', () => {
  it('accepted programs never fault the VM', () => {
    const r = rng(0xfa017);
    let ran = 0;
    for (let k = 0; k < Number(process.env.FUZZ_N ?? 1500); k++) {
      const insns = randomProgram(r);
      const v = verify(
        { insns, progType: 26, expectedAttachType: 28, attachBtfId, gplCompatible: true, logLevel: 0 },
        platform,
      );
      if (!v.ok) continue;
      const exe = prepare(v.insns, { engine: 'interp', helpers, probeLoads: v.probeLoads, budget: 100_000 });
      for (const withTask of [false, true]) {
        const { memory, ctx } = machine(withTask);
        try {
          const r0 = exe.run({ memory, args: [ctx] });
          expect(r0 <= 1n, `program ${k} returned ${r0}`).toBe(true);
          ran++;
        } catch (e) {
          if (e instanceof VmFault && e.kind === 'budget') continue;
          throw new Error(
            `program ${k} (task ${withTask ? 'set' : 'NULL'}) faulted: ${(e as Error).message}\n${verify({ insns, progType: 26, expectedAttachType: 28, attachBtfId, gplCompatible: true, logLevel: 1 }, platform).log}`,
          );
        }
      }
    }
    expect(ran).toBeGreaterThan(10);
  });

  it('always answers, without internal errors, deterministically', () => {
    const r = rng(0x5eed);
    let accepted = 0;
    for (let k = 0; k < Number(process.env.FUZZ_N ?? 1500); k++) {
      const insns = randomProgram(r);
      const req = {
        insns,
        progType: 26,
        expectedAttachType: 28,
        attachBtfId,
        gplCompatible: true,
        logLevel: 1,
      };
      const a = verify(req, platform);
      const where = `program ${k}:\n${a.log}`;
      expect(a.message ?? '', where).not.toMatch(/verifier bug|internal error/);
      expect(a.ok, where).toBe(a.errno === undefined);
      expect(a.log, where).toMatch(/processed \d+ insns \(limit 1000000\)/);
      const b = verify(req, platform);
      expect(b.log).toBe(a.log);
      if (a.ok) accepted++;
    }
    // the generator reaches past the first instruction often enough to mean something
    expect(accepted).toBeGreaterThan(10);
  });
});
