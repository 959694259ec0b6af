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

/** What is wrong with a malformed instruction stream. */
export type InsnDecodeErrorKind =
  | 'size' // byte length not a multiple of 8
  | 'truncated-ld-imm64' // an ld_imm64 in the last slot, without its second half
  | 'bad-ld-imm64'; // the second slot of an ld_imm64 is not a plain (code 0) slot

/** A malformed instruction stream (truncated, bad lddw pairing, ...). */
export class InsnDecodeError extends Error {
  override name = 'InsnDecodeError';
  constructor(
    message: string,
    /** The instruction index (slot) where the problem is. */
    readonly pc: number,
    readonly kind: InsnDecodeErrorKind = 'size',
  ) {
    super(message);
  }
}

export interface DecodeOptions {
  /**
   * Also check every ld_imm64 pairing: the first slot must not be the last
   * one, and the second slot must have code, registers and offset 0 (what
   * the kernel's verifier calls "invalid bpf_ld_imm64 insn"). Off by
   * default, so that a loader can hand such programs to its verifier.
   */
  checkLdImm64?: boolean;
}

export const LDDW = BPF_LD | BPF_IMM | BPF_DW;

/** True when the slot opens a two-slot ld_imm64. */
export function isLdImm64(insn: Insn): boolean {
  return insn.code === LDDW;
}

/** Decodes raw little-endian program bytes into instruction slots. */
export function decodeInsns(bytes: Uint8Array, options?: DecodeOptions): Insn[] {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    throw new InsnDecodeError(
      `program size ${bytes.length} is not a multiple of ${BPF_INSN_SIZE} (${bytes.length % BPF_INSN_SIZE} trailing bytes after slot ${Math.floor(bytes.length / BPF_INSN_SIZE) - 1})`,
      Math.floor(bytes.length / BPF_INSN_SIZE),
      'size',
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
  if (options?.checkLdImm64) checkLdImm64Pairs(out);
  return out;
}

/** Throws InsnDecodeError unless every ld_imm64 has a well-formed second slot. */
export function checkLdImm64Pairs(insns: readonly Insn[]): void {
  for (let pc = 0; pc < insns.length; pc++) {
    if (!isLdImm64(insns[pc]!)) continue;
    const hi = insns[pc + 1];
    if (!hi) {
      throw new InsnDecodeError(
        `ld_imm64 at slot ${pc} is truncated: it needs two slots, and the program ends after one`,
        pc,
        'truncated-ld-imm64',
      );
    }
    if (hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
      throw new InsnDecodeError(
        `ld_imm64 at slot ${pc}: second slot has code 0x${hi.code.toString(16).padStart(2, '0')}, dst ${hi.dst}, src ${hi.src}, off ${hi.off} (all must be 0)`,
        pc + 1,
        'bad-ld-imm64',
      );
    }
    pc++;
  }
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
