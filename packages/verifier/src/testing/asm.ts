/** Tiny instruction builders for tests (kernel filter.h style). */
import type { Insn } from '@tsbpf/bpf-vm';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const SZ = { b: 0x10, h: 0x08, w: 0x00, dw: 0x18 } as const;
type Sz = keyof typeof SZ;
const ALU: Record<string, number> = {
  add: 0,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  mod: 0x90,
  xor: 0xa0,
  mov: 0xb0,
  arsh: 0xc0,
};
const JMP: Record<string, number> = {
  jeq: 0x10,
  jgt: 0x20,
  jge: 0x30,
  jset: 0x40,
  jne: 0x50,
  jsgt: 0x60,
  jsge: 0x70,
  jlt: 0xa0,
  jle: 0xb0,
  jslt: 0xc0,
  jsle: 0xd0,
};

export const ldx = (sz: Sz, dst: number, src: number, off: number) => I(0x61 | SZ[sz], dst, src, off);
export const stx = (sz: Sz, dst: number, src: number, off: number) => I(0x03 | 0x60 | SZ[sz], dst, src, off);
export const st = (sz: Sz, dst: number, off: number, imm: number) =>
  I(0x02 | 0x60 | SZ[sz], dst, 0, off, imm);
export const alu64i = (op: string, dst: number, imm: number) => I(0x07 | ALU[op]!, dst, 0, 0, imm);
export const alu64r = (op: string, dst: number, src: number) => I(0x0f | ALU[op]!, dst, src);
export const alu32i = (op: string, dst: number, imm: number) => I(0x04 | ALU[op]!, dst, 0, 0, imm);
export const mov64i = (dst: number, imm: number) => alu64i('mov', dst, imm);
export const mov64r = (dst: number, src: number) => alu64r('mov', dst, src);
export const jmpi = (op: string, dst: number, imm: number, off: number) =>
  I(0x05 | JMP[op]!, dst, 0, off, imm);
export const jmpr = (op: string, dst: number, src: number, off: number) => I(0x0d | JMP[op]!, dst, src, off);
export const ja = (off: number) => I(0x05, 0, 0, off);
export const call = (imm: number) => I(0x85, 0, 0, 0, imm);
export const callPc = (imm: number) => I(0x85, 0, 1, 0, imm);
export const exit = () => I(0x95);
export const ldMapValue = (dst: number, fd: number, off: number): Insn[] => [
  I(0x18, dst, 2, 0, fd),
  I(0, 0, 0, 0, off),
];
export const ld64 = (dst: number, v: bigint): Insn[] => [
  I(0x18, dst, 0, 0, Number(BigInt.asIntN(32, v))),
  I(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
];
export const raw = I;
