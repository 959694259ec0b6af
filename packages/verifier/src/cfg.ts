/**
 * Program structure checks before abstract interpretation (check_subprogs,
 * check_cfg, compute_live_registers in kernel/bpf/verifier.c).
 */
import type { Insn } from '@tsbpf/bpf-vm';
import { computeStackLive } from './stackLiveness.js';

export class Reject extends Error {
  constructor(
    readonly errno: 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' | 'ENOTSUPP' | 'EPERM',
    message: string,
    /** Log text that follows the message line (e.g. the states after "infinite loop detected"). */
    readonly tail = '',
  ) {
    super(message);
  }
}

const cls = (c: number) => c & 7;
export const isJmp = (c: number) => cls(c) === 5 || cls(c) === 6;
export const isCall = (i: Insn) => i.code === 0x85;
export const isPseudoCall = (i: Insn) => i.code === 0x85 && i.src === 1;
export const isExit = (i: Insn) => i.code === 0x95;
export const isLdImm64 = (i: Insn) => i.code === 0x18;

/** Valid opcodes (bpf_opcode_in_insntable). */
export function opcodeValid(i: Insn): boolean {
  const c = i.code;
  switch (cls(c)) {
    case 4:
    case 7: {
      const op = c & 0xf0;
      if (op > 0xd0) return false;
      if (op === 0xd0) return cls(c) === 4 || (c & 8) === 0;
      if (op === 0x80) return (c & 8) === 0;
      return true;
    }
    case 0:
      return c === 0x18 || c === 0x20 || c === 0x28 || c === 0x30 || c === 0x40 || c === 0x48 || c === 0x50;
    case 1:
      return (c & 0xe0) === 0x60 || ((c & 0xe0) === 0x80 && (c & 0x18) !== 0x18);
    case 2:
      return (c & 0xe0) === 0x60;
    case 3:
      return (c & 0xe0) === 0x60 || ((c & 0xe0) === 0xc0 && ((c & 0x18) === 0x18 || (c & 0x18) === 0));
    case 5: {
      const op = c & 0xf0;
      if (op === 0x80 || op === 0x90) return (c & 8) === 0;
      if (op === 0xe0) return (c & 8) === 0;
      if (op === 0) return (c & 8) === 0;
      return op <= 0xd0;
    }
    case 6: {
      const op = c & 0xf0;
      if (op === 0x80 || op === 0x90 || op === 0xe0) return false;
      if (op === 0) return (c & 8) === 0;
      return op <= 0xd0;
    }
  }
  return false;
}

export interface Cfg {
  subprogStarts: number[];
  prunePoint: Uint8Array;
  /** live[pc]: bitmask of registers live before pc. */
  live: Uint16Array;
  /** stackLive[pc]: stack slots (bit spi) of the current frame that may still be read. */
  stackLive: bigint[];
}

function jumpTarget(insns: readonly Insn[], pc: number): number | undefined {
  const i = insns[pc]!;
  if (!isJmp(i.code)) return undefined;
  const op = i.code & 0xf0;
  if (op === 0x90 || (op === 0x80 && i.src !== 1)) return undefined;
  if (op === 0x80) return pc + i.imm + 1;
  if (op === 0 && cls(i.code) === 6) return pc + i.imm + 1;
  return pc + i.off + 1;
}

/** check_subprogs + check_cfg. Throws Reject. */
export function checkCfg(insns: readonly Insn[], log: (s: string) => void, level2: boolean): Cfg {
  const n = insns.length;
  const starts = new Set<number>([0]);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    if (isPseudoCall(i)) {
      const t = pc + i.imm + 1;
      if (t < 0 || t >= n) throw new Reject('EINVAL', `call to invalid destination\n`);
      starts.add(t);
    }
    if (isLdImm64(i)) pc++;
  }
  const subprogStarts = [...starts].sort((a, b) => a - b);
  if (level2) {
    for (const [k, s] of subprogStarts.entries()) log(`func#${k} @${s}\n`);
  }
  // jumps stay inside their subprogram
  for (let k = 0; k < subprogStarts.length; k++) {
    const start = subprogStarts[k]!;
    const end = subprogStarts[k + 1] ?? n;
    for (let pc = start; pc < end; pc++) {
      const i = insns[pc]!;
      if (isLdImm64(i)) {
        pc++;
        continue;
      }
      if (!isJmp(i.code) || isPseudoCall(i)) continue;
      const t = jumpTarget(insns, pc);
      if (t !== undefined && (t < start || t >= end))
        throw new Reject('EINVAL', `jump out of range from insn ${pc} to ${t}\n`);
      if (t === undefined) continue;
    }
    const last = insns[end - 1]!;
    const lastOp = last.code & 0xf0;
    if (
      !(
        isJmp(last.code) &&
        (lastOp === 0x90 || (lastOp === 0 && cls(last.code) === 5) || (lastOp === 0 && cls(last.code) === 6))
      )
    ) {
      // ld_imm64 second half never ends a subprog legitimately
      throw new Reject('EINVAL', `last insn is not an exit or jmp\n`);
    }
  }
  // reachability (DFS over successors)
  const prune = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const succ = (pc: number): number[] => {
    const i = insns[pc]!;
    if (isLdImm64(i)) return [pc + 2];
    if (!isJmp(i.code)) return [pc + 1];
    const op = i.code & 0xf0;
    if (op === 0x90) return [];
    if (op === 0x80) {
      if (i.src === 1) {
        prune[pc + 1] = 1;
        return [pc + 1, pc + i.imm + 1];
      }
      return [pc + 1];
    }
    const t = jumpTarget(insns, pc)!;
    if (op === 0) {
      prune[t] = 1;
      return [t];
    }
    prune[pc] = 1;
    prune[t] = 1;
    return [pc + 1, t];
  };
  const stack = [...subprogStarts];
  for (const s of subprogStarts) seen[s] = 1;
  while (stack.length) {
    const pc = stack.pop()!;
    for (const t of succ(pc)) {
      if (t >= n) continue;
      if (!seen[t]) {
        seen[t] = 1;
        stack.push(t);
      }
    }
  }
  for (let pc = 0; pc < n; pc++) {
    if (!seen[pc]) throw new Reject('EINVAL', `unreachable insn ${pc}\n`);
    if (isLdImm64(insns[pc]!)) pc++;
  }
  const live = computeLive(insns, succ);
  return { subprogStarts, prunePoint: prune, live, stackLive: computeStackLive(insns, succ, subprogStarts) };
}

/** Registers read and written by an instruction (for liveness). */
function useDef(i: Insn): [number, number] {
  const c = i.code;
  const b = (r: number) => 1 << r;
  switch (cls(c)) {
    case 4:
    case 7: {
      const op = c & 0xf0;
      if (op === 0xb0) return [c & 8 ? b(i.src) : 0, b(i.dst)];
      return [b(i.dst) | (c & 8 ? b(i.src) : 0), b(i.dst)];
    }
    case 0:
      return c === 0x18 ? [0, b(i.dst)] : [b(6), 0x3f];
    case 1:
      return [b(i.src), b(i.dst)];
    case 2:
      return [b(i.dst), 0];
    case 3:
      if ((c & 0xe0) === 0xc0) {
        if (i.imm === 0xf1) return [b(i.dst) | b(i.src) | 1, 1];
        if (i.imm & 1) return [b(i.dst) | b(i.src), b(i.src)];
      }
      return [b(i.dst) | b(i.src), 0];
    default: {
      const op = c & 0xf0;
      if (op === 0x90) return [1, 0];
      if (op === 0x80) return [0x3e, 0x3f];
      if (op === 0 || op === 0xe0) return [0, 0];
      return [b(i.dst) | (c & 8 ? b(i.src) : 0), 0];
    }
  }
}

function computeLive(insns: readonly Insn[], succ: (pc: number) => number[]): Uint16Array {
  const n = insns.length;
  const live = new Uint16Array(n);
  const succs: number[][] = [];
  for (let pc = 0; pc < n; pc++) succs[pc] = isLdImm64Second(insns, pc) ? [] : succ(pc);
  let changed = true;
  while (changed) {
    changed = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      if (isLdImm64Second(insns, pc)) continue;
      const i = insns[pc]!;
      let out = 0;
      for (const t of succs[pc]!) if (t < n) out |= live[t]!;
      const [use, def] = useDef(i);
      const v = (use | (out & ~def)) & 0x7ff;
      if (v !== live[pc]) {
        live[pc] = v;
        changed = true;
      }
    }
  }
  return live;
}

function isLdImm64Second(insns: readonly Insn[], pc: number): boolean {
  return (
    pc > 0 &&
    isLdImm64(insns[pc - 1]!) &&
    !(pc > 1 && isLdImm64(insns[pc - 2]!) && insns[pc - 1]!.code === 0x18 && false)
  );
}
