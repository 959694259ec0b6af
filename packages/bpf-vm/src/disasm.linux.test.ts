/**
 * Differential test against the running Linux kernel: a program covering
 * the instruction forms is loaded with `bpftool -d` (verifier log level
 * 1|2|4), and every instruction line the kernel prints in its
 * "Live regs before insn" listing must equal formatInsn() of the same
 * instruction. Skips cleanly without root, clang, bpftool or bpffs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from './asm.js';
import { formatInsn } from './disasm.js';
import { encodeInsns, isLdImm64 } from './insn.js';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
const skipReason =
  process.getuid?.() !== 0
    ? 'not root'
    : !which('clang')
      ? 'no clang'
      : !which('bpftool')
        ? 'no bpftool'
        : !fs.existsSync('/sys/fs/bpf')
          ? 'no bpffs'
          : undefined;

/** Every form Linux 6.18's verifier takes in a socket filter, each run once. */
const PROGRAM = `
  r6 = r1
  r1 = 7
  r2 = -3
  r3 = 0x123456789abcdef0
  r0 = 0
  r1 += 5
  r1 -= r2
  r1 *= -2
  r1 /= 3
  r1 /= r2
  r1 s/= 3
  r1 s/= r2
  r1 %= 5
  r1 %= r2
  r1 s%= -5
  r1 s%= r2
  r1 |= 0x10
  r1 &= r2
  r1 <<= 3
  r1 <<= r2
  r1 >>= 1
  r1 >>= r2
  r1 s>>= 63
  r1 s>>= r2
  r1 ^= -1
  r1 ^= r2
  r1 = r2
  r1 = (s8)r2
  r1 = (s16)r2
  r1 = (s32)r2
  r1 = -r1
  w1 += 5
  w1 -= w2
  w1 *= w2
  w1 /= 7
  w1 s/= w2
  w1 %= w2
  w1 s%= 7
  w1 |= w2
  w1 &= 255
  w1 <<= 31
  w1 >>= w2
  w1 s>>= 2
  w1 ^= w2
  w1 = w2
  w1 = (s8)w2
  w1 = (s16)w2
  w1 = -w1
  w1 = -2147483648
  r1 = le16 r1
  r1 = le32 r1
  r1 = le64 r1
  r1 = be16 r1
  r1 = be32 r1
  r1 = be64 r1
  r1 = bswap16 r1
  r1 = bswap32 r1
  r1 = bswap64 r1
  *(u64 *)(r10 -8) = r1
  *(u32 *)(r10 -16) = r1
  *(u16 *)(r10 -12) = r2
  *(u8 *)(r10 -10) = r2
  *(u64 *)(r10 -24) = -1
  *(u32 *)(r10 -32) = 7
  *(u16 *)(r10 -28) = 7
  *(u8 *)(r10 -26) = 7
  *(u8 *)(r10 -25) = 7
  *(u8 *)(r10 -27) = 7
  r4 = *(u64 *)(r10 -8)
  r4 = *(u32 *)(r10 -16)
  r4 = *(u16 *)(r10 -12)
  r4 = *(u8 *)(r10 -10)
  r4 = *(s32 *)(r10 -16)
  r4 = *(s16 *)(r10 -12)
  r4 = *(s8 *)(r10 -10)
  r4 = *(u32 *)(r6 +0)
  lock *(u64 *)(r10 -8) += r1
  lock *(u64 *)(r10 -8) |= r1
  lock *(u64 *)(r10 -8) &= r1
  lock *(u64 *)(r10 -8) ^= r1
  lock *(u32 *)(r10 -16) += r1
  lock *(u32 *)(r10 -16) ^= r1
  r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)
  r1 = atomic64_fetch_or((u64 *)(r10 -8), r1)
  r1 = atomic64_fetch_and((u64 *)(r10 -8), r1)
  r1 = atomic64_fetch_xor((u64 *)(r10 -8), r1)
  r1 = atomic_fetch_add((u32 *)(r10 -16), r1)
  r1 = atomic_fetch_xor((u32 *)(r10 -16), r1)
  r1 = atomic64_xchg((u64 *)(r10 -8), r1)
  r1 = atomic_xchg((u32 *)(r10 -16), r1)
  r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)
  r0 = atomic_cmpxchg((u32 *)(r10 -16), r0, r1)
  r5 = load_acquire((u64 *)(r10 -8))
  r5 = load_acquire((u32 *)(r10 -16))
  r5 = load_acquire((u16 *)(r10 -12))
  r5 = load_acquire((u8 *)(r10 -10))
  store_release((u64 *)(r10 -8), r1)
  store_release((u32 *)(r10 -16), r1)
  store_release((u16 *)(r10 -12), r1)
  store_release((u8 *)(r10 -10), r1)
  if r1 == 0x5 goto pc+0
  if r1 != r2 goto pc+0
  if r1 > 0xffffffff goto pc+0
  if r1 >= r2 goto pc+0
  if r1 < 0x7 goto pc+0
  if r1 <= r2 goto pc+0
  if r1 & 0x8 goto pc+0
  if r1 s> r2 goto pc+0
  if r1 s>= 0x0 goto pc+0
  if r1 s< r2 goto pc+0
  if r1 s<= 0x80000000 goto pc+0
  if w1 == w2 goto pc+0
  if w1 != 0x3 goto pc+0
  if w1 > w2 goto pc+0
  if w1 >= 0x1 goto pc+0
  if w1 < w2 goto pc+0
  if w1 <= 0x2 goto pc+0
  if w1 & w2 goto pc+0
  if w1 s> 0xfffffffe goto pc+0
  if w1 s>= w2 goto pc+0
  if w1 s< 0x4 goto pc+0
  if w1 s<= w2 goto pc+0
  goto pc+0
  gotol pc+0
  may_goto pc+0
  call bpf_ktime_get_ns#5
  call sub
  r0 = 0
  exit
sub:
  r0 = 1
  exit
`;

describe.skipIf(skipReason !== undefined)(
  `formatInsn against Linux's verifier log (${skipReason ?? 'running'})`,
  () => {
    it('prints every instruction exactly as the kernel does', () => {
      const insns = assemble(PROGRAM);
      const subAt = insns.findIndex((_i, pc) => pc > 0 && insns[pc - 1]!.code === 0x95);
      const bytes = encodeInsns(insns);
      // libbpf wants subprograms in .text and a relocation on the call: the
      // call is written `call sub` for clang's assembler, the rest as raw slots.
      const slot = (pc: number) =>
        insns[pc]!.code === 0x85 && insns[pc]!.src === 1
          ? '"call sub\\n"'
          : `".quad 0x${Buffer.from(bytes.subarray(pc * 8, pc * 8 + 8))
              .reverse()
              .toString('hex')}\\n"`;
      const main = insns.slice(0, subAt).map((_, pc) => slot(pc));
      const sub = insns.slice(subAt).map((_, k) => slot(subAt + k));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbpf-disasm-'));
      const pin = `/sys/fs/bpf/tsbpf_disasm_${process.pid}`;
      try {
        fs.writeFileSync(
          path.join(dir, 'p.c'),
          [
            'asm(".section socket,\\"ax\\",@progbits\\n.globl prog\\n.type prog,@function\\nprog:\\n"',
            ...main,
            '".size prog, .-prog\\n.text\\n.type sub,@function\\nsub:\\n"',
            ...sub,
            '".size sub, .-sub\\n.section license,\\"aw\\",@progbits\\nLICENSE:\\n.asciz \\"GPL\\"\\n");',
            '',
          ].join('\n'),
        );
        execFileSync('clang', ['-O2', '-target', 'bpf', '-c', 'p.c', '-o', 'p.o'], { cwd: dir });
        const r = spawnSync('bpftool', ['-d', 'prog', 'load', 'p.o', pin, 'type', 'socket'], {
          cwd: dir,
          encoding: 'utf8',
        });
        const log = `${r.stdout}${r.stderr}`;
        expect(r.status, log).toBe(0);
        const listing = log.split('Live regs before insn:\n')[1];
        expect(listing, log).toBeDefined();
        const kernel = new Map<number, string>();
        for (const line of listing!.split('\n')) {
          const m = /^\s*(\d+): [0-9.]{10} (.*)$/.exec(line);
          if (!m) break;
          kernel.set(Number(m[1]), m[2]!);
        }
        let expected = 0;
        const mismatches: string[] = [];
        for (let pc = 0; pc < insns.length; pc++) {
          const ours = formatInsn(insns, pc);
          // ld_imm64 of a plain constant prints the same before and after the verifier's fixups.
          if (kernel.get(pc) !== ours) mismatches.push(`${pc}: kernel '${kernel.get(pc)}' ours '${ours}'`);
          expected++;
          if (isLdImm64(insns[pc]!)) pc++;
        }
        expect(mismatches).toEqual([]);
        expect(kernel.size).toBe(expected);
      } finally {
        fs.rmSync(pin, { force: true });
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
