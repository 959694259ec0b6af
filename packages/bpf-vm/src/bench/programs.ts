/**
 * The benchmark programs, as instructions, shaped so Linux's verifier also
 * accepts them (constant loop bounds, packet bounds checks), so the same
 * bytes run on both tsbpf and Linux.
 */
import type { Insn } from '../insn.js';

const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm: imm | 0 });
const lddw = (dst: number, v: bigint): Insn[] => [
  i(0x18, dst, 0, 0, Number(v & 0xffffffffn)),
  i(0, 0, 0, 0, Number((v >> 32n) & 0xffffffffn)),
];
const EXIT = i(0x95);

export interface BenchProgram {
  name: string;
  /** Linux program type to load it as (BPF_PROG_TYPE_*). */
  linuxProgType: number;
  insns: Insn[];
  /** Bytes of the `xdp_md` context run, if the program reads one. */
  describe: string;
}

/** (a) compute-bound: xorshift64 and a multiply-add, `iterations` times; 13 instructions per iteration. */
export function aluLoop(iterations: number): BenchProgram {
  return {
    name: 'alu-loop',
    linuxProgType: 1, // socket filter
    describe: `xorshift64 + multiply-add, ${iterations} iterations`,
    insns: [
      i(0xb7, 0, 0, 0, 0), // r0 = 0
      ...lddw(1, 0x9e3779b97f4a7c15n), // r1 = state
      i(0xb7, 2, 0, 0, iterations), // r2 = n
      // loop:
      i(0xbf, 3, 1), // r3 = r1
      i(0x67, 3, 0, 0, 13), // r3 <<= 13
      i(0xaf, 1, 3), // r1 ^= r3
      i(0xbf, 3, 1),
      i(0x77, 3, 0, 0, 7), // r3 >>= 7
      i(0xaf, 1, 3),
      i(0xbf, 3, 1),
      i(0x67, 3, 0, 0, 17), // r3 <<= 17
      i(0xaf, 1, 3),
      i(0x27, 0, 0, 0, 0x5bd1e995), // r0 *= 0x5bd1e995
      i(0x0f, 0, 1), // r0 += r1
      i(0x17, 2, 0, 0, 1), // r2 -= 1
      i(0x55, 2, 0, -13, 0), // if r2 != 0 goto loop
      EXIT,
    ],
  };
}

/** Size of the hashed buffer. */
export const HASH_BYTES = 1024;

/**
 * (b) memory-bound: FNV-style hash, byte by byte, over the 1 KiB packet of
 * an XDP context (r1 -> struct xdp_md {u32 data, data_end, ...}); 6
 * instructions per byte.
 */
export function byteHash(): BenchProgram {
  return {
    name: 'byte-hash-1k',
    linuxProgType: 6, // XDP
    describe: `FNV-1a style hash over a ${HASH_BYTES}-byte packet`,
    insns: [
      i(0x61, 2, 1, 0), // r2 = ctx->data
      i(0x61, 3, 1, 4), // r3 = ctx->data_end
      i(0xbf, 4, 2), // r4 = r2
      i(0x07, 4, 0, 0, HASH_BYTES), // r4 += 1024
      ...lddw(0, 0xcbf29ce484222325n), // r0 = offset basis
      i(0x2d, 4, 3, 8), // if r4 > r3 goto out
      i(0xb7, 5, 0, 0, HASH_BYTES), // r5 = 1024
      // loop:
      i(0x71, 6, 2, 0), // r6 = *(u8 *)(r2 + 0)
      i(0xaf, 0, 6), // r0 ^= r6
      i(0x27, 0, 0, 0, 0x01000193), // r0 *= FNV prime
      i(0x07, 2, 0, 0, 1), // r2 += 1
      i(0x17, 5, 0, 0, 1), // r5 -= 1
      i(0x55, 5, 0, -6, 0), // if r5 != 0 goto loop
      EXIT, // (the bounds check lands on the exit below as well)
      EXIT,
    ],
  };
}

/** BPF_FUNC_get_prandom_u32. */
export const PRANDOM_HELPER = 7;

/**
 * (c) call-heavy: per iteration a helper call (bpf_get_prandom_u32) and a
 * bpf-to-bpf call of a small function; 11 instructions per iteration.
 */
export function callHeavy(iterations: number): BenchProgram {
  return {
    name: 'call-heavy',
    linuxProgType: 1,
    describe: `helper call + bpf-to-bpf call, ${iterations} iterations`,
    insns: [
      i(0xb7, 6, 0, 0, iterations), // r6 = n
      i(0xb7, 7, 0, 0, 0), // r7 = 0
      // loop:
      i(0x85, 0, 0, 0, PRANDOM_HELPER), // call bpf_get_prandom_u32
      i(0x0f, 7, 0), // r7 += r0
      i(0xbf, 1, 7), // r1 = r7
      i(0x85, 0, 1, 0, 5), // call mix
      i(0xaf, 7, 0), // r7 ^= r0
      i(0x17, 6, 0, 0, 1), // r6 -= 1
      i(0x55, 6, 0, -7, 0), // if r6 != 0 goto loop
      i(0xbf, 0, 7), // r0 = r7
      EXIT,
      // mix(r1):
      i(0xbf, 0, 1), // r0 = r1
      i(0x27, 0, 0, 0, 3), // r0 *= 3
      i(0x07, 0, 0, 0, 1), // r0 += 1
      EXIT,
    ],
  };
}
