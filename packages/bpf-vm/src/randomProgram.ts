/**
 * A seeded generator of random BPF programs for differential testing of the
 * engines: every ALU/ALU64 operation (signed DIV/MOD, MOVSX, BSWAP/END),
 * JMP/JMP32 conditions with forward and (bounded by the budget) backward
 * jumps, loads/stores/atomics on the stack, a data region and a read-only
 * region (in bounds and faulting), helper calls, bpf-to-bpf calls, and a
 * sprinkle of raw random instruction words.
 */
import type { Insn } from './insn.js';

/** mulberry32: a small, fast, seedable PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Size of the data region handed to programs in r1 (its length in r2). */
export const DATA_SIZE = 64;
/** Size of the read-only region handed in r3. */
export const RODATA_SIZE = 32;

/** Helper ids the generated programs call; see `differentialHelpers`. */
export const HELPER_IDS = [1, 2, 3, 4, 5] as const;
/** A helper id no table provides. */
export const UNKNOWN_HELPER = 99;

export interface RandomProgram {
  insns: Insn[];
  /** Slots whose loads are probe loads. */
  probeLoads: Set<number>;
  /** True when every jump goes forward and no call recurses: the program ends without a budget. */
  terminates: boolean;
}

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const ATOMIC_OPS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110];
const SIZES = [0x00, 0x08, 0x10, 0x18]; // W, H, B, DW
const sizeBytes = (s: number) => ({ 0: 4, 8: 2, 16: 1, 24: 8 })[s]!;

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({
  code,
  dst,
  src,
  off,
  imm: imm | 0,
});

interface Options {
  /** Body length of the main program (default 10..60). */
  length?: number;
}

/** A value that exercises edge cases more often than uniform randomness would. */
function interesting(rng: Rng): number {
  return rng.pick([0, 1, -1, 2, 7, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xffff, 0x80, -2, rng.u32() | 0]);
}

class Generator {
  readonly insns: Insn[] = [];
  readonly probe = new Set<number>();
  terminates = true;
  /** Fixups of bpf-to-bpf calls: slot index -> subprogram number. */
  private calls: [number, number][] = [];

  constructor(private readonly rng: Rng) {}

  private emit(...xs: Insn[]): void {
    this.insns.push(...xs);
  }

  /** A general-purpose register to write (never r10; r9 keeps the data pointer most of the time). */
  private dstReg(): number {
    return this.rng.chance(0.01) ? 9 : this.rng.int(9);
  }
  private srcReg(): number {
    return this.rng.int(11);
  }

  private ldImm64(dst: number): void {
    const r = this.rng;
    const lo = r.chance(0.5) ? interesting(r) : r.u32() | 0;
    const hi = r.chance(0.5) ? interesting(r) : r.u32() | 0;
    this.emit(insn(0x18, dst, 0, 0, lo), insn(0, 0, 0, 0, hi));
  }

  private alu(): void {
    const r = this.rng;
    const is64 = r.chance(0.6);
    const op = r.pick(ALU_OPS);
    const x = r.chance(0.5);
    const dst = this.dstReg();
    const cls = is64 ? 0x07 : 0x04;
    if (op === 0xd0) {
      const width = r.chance(0.97) ? r.pick([16, 32, 64]) : r.pick([0, 8, 48]);
      const code = is64 ? 0xd7 : r.chance(0.5) ? 0xd4 : 0xdc;
      this.emit(insn(code, dst, 0, 0, width));
      return;
    }
    let off = 0;
    if (op === 0x30 || op === 0x90) off = r.chance(0.5) ? 1 : r.chance(0.1) ? r.range(2, 5) : 0;
    if (op === 0xb0 && r.chance(0.5)) off = r.pick([8, 16, 32, 3]);
    let imm = interesting(r);
    if ((op === 0x60 || op === 0x70 || op === 0xc0) && r.chance(0.8)) imm = r.int(is64 ? 64 : 32);
    this.emit(insn(cls | op | (x ? 0x08 : 0), dst, x ? this.srcReg() : 0, off, imm));
  }

  /** A base register and offset for a memory access, mostly valid. */
  private address(size: number, write = false): [number, number] {
    const r = this.rng;
    const k = write && r.chance(0.9) ? r.int(87) : r.int(100);
    if (k < 45) return [10, r.chance(0.97) ? -size * r.range(1, Math.floor(512 / size)) : r.range(-600, 64)];
    if (k < 87) {
      const valid = r.int(DATA_SIZE / size) * size;
      return [9, r.chance(0.97) ? valid : r.range(-16, DATA_SIZE + 16)];
    }
    if (k < 97) return [3, r.chance(0.9) ? r.int(RODATA_SIZE / size) * size : r.range(-8, RODATA_SIZE + 8)];
    return [this.srcReg(), r.range(-64, 64)];
  }

  private memory(): void {
    const r = this.rng;
    const k = r.int(10);
    const sz = r.pick(SIZES);
    const size = sizeBytes(sz);
    if (k < 4) {
      const [base, off] = this.address(size);
      const mode = r.chance(0.75) ? 0x60 : 0x80;
      if (r.chance(0.15)) this.probe.add(this.insns.length);
      this.emit(insn(0x01 | sz | mode, this.dstReg(), base, off));
    } else if (k < 8) {
      const [base, off] = this.address(size, true);
      if (r.chance(0.5)) this.emit(insn(0x03 | sz | 0x60, base, this.srcReg(), off));
      else this.emit(insn(0x02 | sz | 0x60, base, 0, off, interesting(r)));
    } else {
      const asz = r.pick([0x00, 0x18]);
      const [base, off] = this.address(sizeBytes(asz), true);
      this.emit(insn(0x03 | asz | 0xc0, base, this.srcReg() % 10, off, r.pick(ATOMIC_OPS)));
    }
  }

  private helperCall(): void {
    const r = this.rng;
    // Point r1 somewhere useful for the memory helpers.
    if (r.chance(0.9)) {
      if (r.chance(0.5)) this.emit(insn(0xbf, 1, 10), insn(0x07, 1, 0, 0, -8 * r.range(1, 64)));
      else this.emit(insn(0xbf, 1, 9), insn(0x07, 1, 0, 0, r.range(-1, DATA_SIZE - 6)));
    }
    if (r.chance(0.05)) {
      // callx through a register holding a helper id.
      const reg = r.range(0, 8);
      this.emit(insn(0xb7, reg, 0, 0, r.chance(0.8) ? r.pick(HELPER_IDS) : UNKNOWN_HELPER));
      this.emit(insn(0x8d, reg));
      return;
    }
    this.emit(insn(0x85, 0, 0, 0, r.chance(0.97) ? r.pick(HELPER_IDS) : UNKNOWN_HELPER));
  }

  /** One random instruction word, avoiding encodings the interpreter mis-reports (see notes). */
  private raw(): void {
    const r = this.rng;
    for (;;) {
      const code = r.int(256);
      const cls = code & 7;
      const op = code & 0xf0;
      if ((cls === 4 || cls === 7) && (op === 0xe0 || op === 0xf0)) continue;
      if (cls === 3 && (code & 0xe0) === 0xc0) continue;
      if ((cls === 5 || cls === 6) && op === 0x80 && r.chance(0.8)) continue;
      if (cls === 5 || cls === 6) this.terminates = false;
      const dst = r.chance(0.95) ? r.int(10) : r.range(11, 15);
      this.emit(
        insn(code, dst, r.chance(0.95) ? r.int(11) : r.range(11, 15), r.range(-8, 8), interesting(r)),
      );
      return;
    }
  }

  /** A random body of about `n` instructions; jumps stay in [start, end of body]. */
  body(n: number, subprogs: number, self: number): void {
    const r = this.rng;
    const start = this.insns.length;
    const jumps: number[] = [];
    while (this.insns.length - start < n) {
      const k = r.int(100);
      if (k < 40) this.alu();
      else if (k < 45) this.ldImm64(this.dstReg());
      else if (k < 63) this.memory();
      else if (k < 78) {
        jumps.push(this.insns.length);
        const jmp32 = r.chance(0.4);
        const x = r.chance(0.5);
        if (r.chance(0.1)) this.emit(jmp32 ? insn(0x06, 0, 0, 0, 0) : insn(0x05));
        else
          this.emit(
            insn(
              (jmp32 ? 0x06 : 0x05) | r.pick(JMP_OPS) | (x ? 0x08 : 0),
              r.int(11),
              x ? r.int(11) : 0,
              0,
              interesting(r),
            ),
          );
      } else if (k < 86) this.helperCall();
      else if (k < 92 && subprogs > 0) {
        // Call a later subprogram, or (rarely) this one again.
        const target = r.chance(0.05) && self >= 0 ? self : r.range(self + 1, subprogs - 1);
        if (target <= self) this.terminates = false;
        if (target >= 0 && target < subprogs) {
          this.calls.push([this.insns.length, target]);
          this.emit(insn(0x85, 0, 1, 0, 0));
        }
      } else if (k < 93 && r.chance(0.25)) this.raw();
      else this.emit(insn(0xb7, this.dstReg(), 0, 0, interesting(r)));
    }
    const end = this.insns.length;
    for (const j of jumps) {
      const J = this.insns[j]!;
      let target: number;
      if (r.chance(0.08)) {
        target = r.range(start, j);
        this.terminates = false;
      } else if (r.chance(0.01)) target = end + r.range(1000, 5000);
      else target = r.range(j + 1, end);
      const disp = target - (j + 1);
      if (J.code === 0x06) J.imm = disp;
      else J.off = disp;
    }
  }

  /** Folds every register and some stack slots into r0, then exits. */
  epilogue(): void {
    for (let reg = 1; reg <= 9; reg++) {
      this.emit(insn(0x27, 0, 0, 0, 0x1f3));
      this.emit(insn(0xaf, 0, reg));
    }
    this.emit(insn(0x79, 1, 10, -8), insn(0xaf, 0, 1), insn(0x79, 1, 10, -64), insn(0xaf, 0, 1));
    this.emit(insn(0x95));
  }

  resolveCalls(starts: number[]): void {
    for (const [slot, sub] of this.calls) this.insns[slot]!.imm = starts[sub]! - (slot + 1);
  }
}

/** Generates the random program of `seed`. Inputs: r1 = data, r2 = its length, r3 = read-only data. */
export function randomProgram(seed: number, options: Options = {}): RandomProgram {
  const rng = new Rng(seed);
  const g = new Generator(rng);
  const subprogs = rng.chance(0.4) ? rng.range(1, 3) : 0;
  // Prologue: r9 = data pointer; other registers get edge-case values.
  g.insns.push(insn(0xbf, 9, 1));
  for (const reg of [0, 4, 5, 6, 7, 8]) {
    if (rng.chance(0.5)) g.insns.push(insn(0xb7, reg, 0, 0, interesting(rng)));
    else {
      g.insns.push(insn(0x18, reg, 0, 0, rng.u32() | 0), insn(0, 0, 0, 0, interesting(rng)));
    }
  }
  g.body(options.length ?? rng.range(10, 60), subprogs, -1);
  g.epilogue();
  const starts: number[] = [];
  for (let s = 0; s < subprogs; s++) {
    starts.push(g.insns.length);
    g.body(rng.range(3, 20), subprogs, s);
    g.insns.push(insn(0x95));
  }
  g.resolveCalls(starts);
  return { insns: g.insns, probeLoads: g.probe, terminates: g.terminates };
}
