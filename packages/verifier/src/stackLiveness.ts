/**
 * Static liveness of stack slots (the kernel's 6.18 stack liveness pass,
 * kernel/bpf/liveness.c, in a simpler conservative form): for each
 * instruction, the 8-byte slots of the current frame that some path from it
 * may still read. Pruning ignores the other slots, as Linux does.
 *
 * A forward pass first finds the registers that may hold a pointer into this
 * frame's stack (r10 and its copies, fills of spilled stack pointers); a
 * load, atomic or call through any of those may read any slot.
 */
import type { Insn } from '@tsbpf/bpf-vm';

const isLdImm64 = (i: Insn) => i.code === 0x18;
export const ALL_SLOTS = (1n << 64n) - 1n;

const cls = (c: number) => c & 7;
const bit = (r: number) => 1 << r;

/** Slots covered by an access of `size` bytes at fp`off` (fixed offset). */
function slotsOf(off: number, size: number): bigint {
  let m = 0n;
  for (let b = 0; b < size; b++) {
    const byteOff = off + b;
    if (byteOff >= 0 || byteOff < -512) continue;
    m |= 1n << BigInt(Math.floor((-byteOff - 1) / 8));
  }
  return m;
}

/** Registers that may point into the current frame's stack, before each insn. */
function mayStackRegs(
  insns: readonly Insn[],
  succ: (pc: number) => number[],
  entries: number[],
): Uint16Array {
  const n = insns.length;
  const before = new Uint16Array(n);
  const seen = new Uint8Array(n);
  const work: number[] = [];
  for (const e of entries) {
    seen[e] = 1;
    // a subprogram may be handed stack pointers of its caller in r1-r5
    before[e] = e === 0 ? bit(10) : bit(10) | 0x3e;
    work.push(e);
  }
  while (work.length) {
    const pc = work.pop()!;
    const i = insns[pc]!;
    const inn = before[pc]!;
    let out = inn;
    const c = i.code;
    const k = cls(c);
    const isX = (c & 8) !== 0;
    if (k === 7 || k === 4) {
      const op = c & 0xf0;
      const srcStack = isX && (inn & bit(i.src)) !== 0;
      if (k === 4) out &= ~bit(i.dst);
      else if (op === 0xb0) out = isX && !i.off && srcStack ? out | bit(i.dst) : out & ~bit(i.dst);
      else if (op === 0x00 || op === 0x10) out = srcStack ? out | bit(i.dst) : out;
      else out &= ~bit(i.dst);
    } else if (k === 1) {
      // a fill from the stack may restore a spilled stack pointer
      out = inn & bit(i.src) ? out | bit(i.dst) : out & ~bit(i.dst);
    } else if (k === 0) {
      out &= ~bit(i.dst);
    } else if (k === 3 && (c & 0xe0) === 0xc0) {
      if (i.imm === 0xf1) out &= ~1;
      else if (i.imm & 1) out &= ~bit(i.src);
    } else if ((k === 5 || k === 6) && (c & 0xf0) === 0x80) {
      out &= ~0x3f;
    }
    for (const t of succ(pc)) {
      if (t >= n) continue;
      const merged = before[t]! | out;
      if (merged !== before[t] || !seen[t]) {
        before[t] = merged;
        seen[t] = 1;
        work.push(t);
      }
    }
  }
  return before;
}

/** live[pc]: slots (bit spi) that may be read at or after pc. */
export function computeStackLive(
  insns: readonly Insn[],
  succ: (pc: number) => number[],
  entries: number[],
): bigint[] {
  const stackRegs = mayStackRegs(insns, succ, entries);
  const n = insns.length;
  const use: bigint[] = new Array(n).fill(0n);
  const kill: bigint[] = new Array(n).fill(0n);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    const regs = stackRegs[pc]!;
    const c = i.code;
    const k = cls(c);
    const size = [4, 2, 1, 8][(c >> 3) & 3]!;
    if (k === 1) {
      if (i.src === 10) use[pc] = slotsOf(i.off, size);
      else if (regs & bit(i.src)) use[pc] = ALL_SLOTS;
    } else if (k === 2 || k === 3) {
      if ((c & 0xe0) === 0xc0 && regs & bit(i.dst)) use[pc] = ALL_SLOTS;
      else if (i.dst === 10 && size === 8 && i.off % 8 === 0) kill[pc] = slotsOf(i.off, 8);
    } else if ((k === 5 || k === 6) && (c & 0xf0) === 0x80) {
      if (regs & 0x3e) use[pc] = ALL_SLOTS;
    }
    if (pc + 1 < n && isLdImm64(i)) pc++;
  }
  const live: bigint[] = new Array(n).fill(0n);
  const succs = Array.from({ length: n }, (_, pc) => (pc > 0 && isLdImm64(insns[pc - 1]!) ? [] : succ(pc)));
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      let out = 0n;
      for (const t of succs[pc]!) if (t < n) out |= live[t]!;
      const v = use[pc]! | (out & ~kill[pc]!);
      if (v !== live[pc]) {
        live[pc] = v;
        changed = true;
      }
    }
  }
  return live;
}
