import { BPF_DW, BPF_IMM, BPF_INSN_SIZE, BPF_LD } from '@tsbpf/uapi';

/**
 * One 8-byte instruction slot (struct bpf_insn). An `lddw` (ld_imm64) takes
 * two slots; the second slot has code 0 and carries the upper 32 bits of the
 * constant in `imm`.
 */
export interface Insn {
  /** Opcode byte. */
  code: number;
  /** Destination register, 0..15 as encoded (valid programs use 0..10). */
  dst: number;
  /** Source register, 0..15 as encoded. */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

/** A malformed instruction stream (truncated, bad lddw pairing, ...). */
export class InsnDecodeError extends Error {
  override name = 'InsnDecodeError';
  constructor(
    message: string,
    readonly pc: number,
  ) {
    super(message);
  }
}

export const LDDW = BPF_LD | BPF_IMM | BPF_DW;

/** True when the slot opens a two-slot ld_imm64. */
export function isLdImm64(insn: Insn): boolean {
  return insn.code === LDDW;
}

/** Decodes raw little-endian program bytes into instruction slots. */
export function decodeInsns(bytes: Uint8Array): Insn[] {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    throw new InsnDecodeError(
      `program size ${bytes.length} is not a multiple of ${BPF_INSN_SIZE}`,
      Math.floor(bytes.length / BPF_INSN_SIZE),
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = new Array(bytes.length / BPF_INSN_SIZE);
  for (let i = 0; i < out.length; i++) {
    const o = i * BPF_INSN_SIZE;
    const regs = bytes[o + 1]!;
    out[i] = {
      code: bytes[o]!,
      dst: regs & 0x0f,
      src: regs >> 4,
      off: dv.getInt16(o + 2, true),
      imm: dv.getInt32(o + 4, true),
    };
  }
  return out;
}

/** Encodes instruction slots as raw little-endian bytes. */
export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * BPF_INSN_SIZE);
  const dv = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    const o = i * BPF_INSN_SIZE;
    bytes[o] = insn.code & 0xff;
    bytes[o + 1] = (insn.dst & 0x0f) | ((insn.src & 0x0f) << 4);
    dv.setInt16(o + 2, insn.off, true);
    dv.setInt32(o + 4, insn.imm | 0, true);
  });
  return bytes;
}

/** The 64-bit constant of an ld_imm64 pair, as an unsigned bigint. */
export function ldImm64Value(lo: Insn, hi: Insn): bigint {
  return (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}
