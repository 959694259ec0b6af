/**
 * Instruction text for the log, in the kernel's print_bpf_insn format
 * (kernel/bpf/disasm.c). bpf-vm will export `formatInsn(insns, pc, opts)`;
 * until it does, this local formatter with the same signature is used.
 */

import type { Insn } from '@tsbpf/bpf-vm';
import * as vm from '@tsbpf/bpf-vm';
import { helperNames } from '@tsbpf/uapi';

export interface FormatInsnOptions {
  /** Name of helper `id` without the bpf_ prefix (default: uapi's table). */
  helperName?: (id: number) => string | undefined;
}

const ALU = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
const JMP = [
  'jmp',
  '==',
  '>',
  '>=',
  '&',
  '!=',
  's>',
  's>=',
  'call',
  'exit',
  '<',
  '<=',
  's<',
  's<=',
  'may_goto',
];
const SIZE: Record<number, string> = { 0: 'u32', 8: 'u16', 16: 'u8', 24: 'u64' };
const SSIZE: Record<number, string> = { 0: 's32', 8: 's16', 16: 's8', 24: 's64' };
const off = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

function helperLabel(id: number, opts: FormatInsnOptions | undefined): string {
  const n = opts?.helperName?.(id) ?? (helperNames as Record<number, string | undefined>)[id];
  return n ? `bpf_${n.replace(/^bpf_/, '')}#${id}` : `unknown#${id}`;
}

/** Local formatter (kernel print_bpf_insn without the leading "%d: "). */
export function formatInsnLocal(insns: readonly Insn[], pc: number, opts?: FormatInsnOptions): string {
  const i = insns[pc];
  if (!i) return '';
  const c = i.code;
  const cls = c & 7;
  const h = `(${c.toString(16).padStart(2, '0')})`;
  if (cls === 4 || cls === 7) {
    const r = cls === 7 ? 'r' : 'w';
    const op = c >> 4;
    const x = (c & 8) !== 0;
    if (op === 0xd) {
      if (cls === 7) return `${h} r${i.dst} = bswap${i.imm} r${i.dst}`;
      return `${h} r${i.dst} = ${x ? 'be' : 'le'}${i.imm} r${i.dst}`;
    }
    if (op === 8) return `${h} ${r}${i.dst} = -${r}${i.dst}`;
    if (op === 0xb && x && i.off) return `${h} ${r}${i.dst} = (s${i.off})${r}${i.src}`;
    const name = (i.off === 1 && (op === 3 || op === 9) ? 's' : '') + (ALU[op] ?? '?');
    return x ? `${h} ${r}${i.dst} ${name} ${r}${i.src}` : `${h} ${r}${i.dst} ${name} ${i.imm}`;
  }
  if (cls === 3 || cls === 2) {
    const sz = SIZE[c & 0x18];
    if ((c & 0xe0) === 0xc0) {
      const ops: Record<number, string> = { 0: '+=', 64: '|=', 80: '&=', 160: '^=' };
      const base = i.imm & ~1;
      if (i.imm === 0xe1)
        return `${h} r${i.src} = atomic${sz === 'u64' ? '64' : ''}_xchg((${sz} *)(r${i.dst} ${off(i.off)}), r${i.src})`;
      if (i.imm === 0xf1)
        return `${h} r0 = atomic${sz === 'u64' ? '64' : ''}_cmpxchg((${sz} *)(r${i.dst} ${off(i.off)}), r0, r${i.src})`;
      if (i.imm & 1)
        return `${h} r${i.src} = atomic${sz === 'u64' ? '64' : ''}_fetch_${['add', '', '', '', 'or', 'and', '', '', '', '', 'xor'][base >> 4]}((${sz} *)(r${i.dst} ${off(i.off)}), r${i.src})`;
      return `${h} lock *(${sz} *)(r${i.dst} ${off(i.off)}) ${ops[base] ?? '?'} r${i.src}`;
    }
    if (cls === 3) return `${h} *(${sz} *)(r${i.dst} ${off(i.off)}) = r${i.src}`;
    return `${h} *(${sz} *)(r${i.dst} ${off(i.off)}) = ${i.imm}`;
  }
  if (cls === 1) {
    const sx = (c & 0xe0) === 0x80;
    return `${h} r${i.dst} = *(${(sx ? SSIZE : SIZE)[c & 0x18]} *)(r${i.src} ${off(i.off)})`;
  }
  if (cls === 0) {
    if (c === 0x18) {
      const hi = insns[pc + 1];
      const v = (BigInt((hi?.imm ?? 0) >>> 0) << 32n) | BigInt(i.imm >>> 0);
      if (i.src === 1 || i.src === 5) return `${h} r${i.dst} = map[id:${i.imm}]`;
      if (i.src === 4) return `${h} r${i.dst} = func`;
      return `${h} r${i.dst} = 0x${v.toString(16)}`;
    }
    return `${h} BUG_ld_${c.toString(16).padStart(2, '0')}`;
  }
  // jumps
  const op = c >> 4;
  const r = cls === 6 ? 'w' : 'r';
  if (op === 8) {
    if (i.src === 1) return `${h} call pc${off(i.imm)}`;
    if (i.src === 2) return `${h} call kernel-function`;
    return `${h} call ${helperLabel(i.imm, opts)}`;
  }
  if (op === 9) return `${h} exit`;
  if (op === 0) return cls === 6 ? `${h} gotol pc${off(i.imm)}` : `${h} goto pc${off(i.off)}`;
  if (op === 0xe) return `${h} may_goto pc${off(i.off)}`;
  const name = JMP[op] ?? '?';
  if (c & 8) return `${h} if ${r}${i.dst} ${name} ${r}${i.src} goto pc${off(i.off)}`;
  return `${h} if ${r}${i.dst} ${name} 0x${(i.imm >>> 0).toString(16)} goto pc${off(i.off)}`;
}

type FormatFn = (insns: readonly Insn[], pc: number, opts?: FormatInsnOptions) => string;

/** bpf-vm's formatInsn when it exists, else the local formatter. */
export const formatInsn: FormatFn =
  typeof (vm as Record<string, unknown>).formatInsn === 'function'
    ? ((vm as Record<string, unknown>).formatInsn as FormatFn)
    : formatInsnLocal;
