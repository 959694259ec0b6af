/**
 * `pnpm bench`: ns per executed instruction for each engine on a
 * compute-bound loop, a byte-wise hash over 1 KiB and a call-heavy loop;
 * the JIT's compile time per instruction; and, where this machine lets us
 * (root, bpf(), python3), the same programs under Linux's JIT through
 * BPF_PROG_TEST_RUN with the ratio. One JSON object per line.
 */
import type { Executable, HelperTable } from '../engine.js';
import { prepare } from '../interp.js';
import { compileJit } from '../jit.js';
import { AddressSpace, Region } from '../memory.js';
import { randomProgram } from '../randomProgram.js';
import { runOnLinux } from './linux.js';
import { aluLoop, type BenchProgram, byteHash, callHeavy, HASH_BYTES, PRANDOM_HELPER } from './programs.js';

const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const DATA = 0x10000000n;
const CTX = 0x20000000n;

/** Memory for a run: the XDP-shaped context and its packet (other programs ignore them). */
function memoryFor(): { memory: AddressSpace; args: bigint[] } {
  const memory = new AddressSpace();
  const packet = Uint8Array.from({ length: HASH_BYTES }, (_, k) => (k * 131 + 7) & 0xff);
  memory.map(new Region('packet', DATA, packet));
  const ctx = new Uint8Array(24);
  const dv = new DataView(ctx.buffer);
  dv.setUint32(0, Number(DATA), true);
  dv.setUint32(4, Number(DATA) + HASH_BYTES, true);
  memory.map(new Region('xdp_md', CTX, ctx));
  return { memory, args: [CTX] };
}

/** A deterministic stand-in for bpf_get_prandom_u32. */
function helpers(): HelperTable {
  let s = 0x12345678;
  return new Map([
    [
      PRANDOM_HELPER,
      () => {
        s = (Math.imul(s, 1664525) + 1013904223) | 0;
        return BigInt(s >>> 0);
      },
    ],
  ]);
}

function executedPerRun(p: BenchProgram): number {
  const counted = compileJit(p.insns, { helpers: helpers(), budget: 2 ** 52 });
  const { memory, args } = memoryFor();
  counted.run({ memory, args });
  return counted.lastExecuted!;
}

/** Times `exe` for about `ms` milliseconds after a warm-up; returns ns per run. */
function time(exe: Executable, ms: number): { nsPerRun: number; runs: number; r0: bigint } {
  const { memory, args } = memoryFor();
  let r0 = 0n;
  const warmEnd = performance.now() + ms / 3;
  while (performance.now() < warmEnd) r0 = exe.run({ memory, args });
  let runs = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < ms) {
    for (let k = 0; k < 4; k++) r0 = exe.run({ memory, args });
    runs += 4;
    t1 = performance.now();
  }
  return { nsPerRun: ((t1 - t0) * 1e6) / runs, runs, r0 };
}

function compileTime(): void {
  // Fresh programs for the timed part: V8 caches `new Function` by source text.
  const gen = (first: number) =>
    Array.from({ length: 400 }, (_, s) => randomProgram(first + s, { length: 200 }).insns);
  for (const p of gen(1)) compileJit(p); // warm the generator itself
  const progs = gen(100_001);
  let insns = 0;
  const t0 = performance.now();
  for (const p of progs) {
    compileJit(p);
    insns += p.length;
  }
  const ns = (performance.now() - t0) * 1e6;
  out({ bench: 'jit-compile', programs: progs.length, insns, nsPerInsn: +(ns / insns).toFixed(1) });
}

const ms = Number(process.env.TSBPF_BENCH_MS ?? 1500);
const linuxRepeat = Number(process.env.TSBPF_BENCH_LINUX_REPEAT ?? 2000);

for (const p of [aluLoop(4096), byteHash(), callHeavy(4096)]) {
  const executed = executedPerRun(p);
  const results: Record<string, number> = {};
  for (const engine of ['jit', 'interp'] as const) {
    const exe = prepare(p.insns, { engine, helpers: helpers() });
    const t = time(exe, engine === 'interp' ? ms / 2 : ms);
    const nsPerInsn = t.nsPerRun / executed;
    results[engine] = nsPerInsn;
    out({
      bench: p.name,
      engine,
      nsPerInsn: +nsPerInsn.toFixed(4),
      insnsPerRun: executed,
      nsPerRun: Math.round(t.nsPerRun),
      runs: t.runs,
      r0: `0x${t.r0.toString(16)}`,
    });
  }
  const linux = runOnLinux(p, linuxRepeat);
  if ('skipped' in linux) out({ bench: p.name, engine: 'linux', skipped: linux.skipped });
  else {
    const nsPerInsn = linux.nsPerRun / executed;
    out({
      bench: p.name,
      engine: 'linux',
      nsPerInsn: +nsPerInsn.toFixed(4),
      insnsPerRun: executed,
      nsPerRun: linux.nsPerRun,
      repeat: linuxRepeat,
      retval: `0x${linux.retval.toString(16)}`,
    });
    out({
      bench: p.name,
      ratio: 'jit/linux',
      value: +(results.jit! / nsPerInsn).toFixed(2),
      interpRatio: +(results.interp! / nsPerInsn).toFixed(1),
    });
  }
}
compileTime();
