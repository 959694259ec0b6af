import { describe, expect, it } from 'vitest';
import { disassemble, formatInsn, formatInsnText } from './disasm.js';
import type { Insn } from './insn.js';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const one = (i: Insn, opts?: Parameters<typeof formatInsn>[2]) => formatInsn([i], 0, opts);
const pair = (lo: Insn, hi: number, opts?: Parameters<typeof formatInsn>[2]) =>
  formatInsn([lo, I(0, 0, 0, 0, hi)], 0, opts);

describe('formatInsn (kernel print_bpf_insn)', () => {
  it.each([
    [I(0x61, 1, 1, 0), '(61) r1 = *(u32 *)(r1 +0)'],
    [I(0x79, 2, 1, 8), '(79) r2 = *(u64 *)(r1 +8)'],
    [I(0x91, 0, 1, -2), '(91) r0 = *(s8 *)(r1 -2)'],
    [I(0x89, 0, 1, 2), '(89) r0 = *(s16 *)(r1 +2)'],
    [I(0x81, 0, 1, 4), '(81) r0 = *(s32 *)(r1 +4)'],
    [I(0x7b, 10, 1, -8), '(7b) *(u64 *)(r10 -8) = r1'],
    [I(0x62, 10, 0, -4, -7), '(62) *(u32 *)(r10 -4) = -7'],
    [I(0x25, 2, 0, 3, 5), '(25) if r2 > 0x5 goto pc+3'],
    [I(0x55, 7, 0, 2, 0), '(55) if r7 != 0x0 goto pc+2'],
    [I(0x15, 1, 0, -1, -1), '(15) if r1 == 0xffffffff goto pc-1'],
    [I(0xce, 2, 3, -4), '(ce) if w2 s< w3 goto pc-4'],
    [I(0x4d, 1, 2, 0), '(4d) if r1 & r2 goto pc+0'],
    [I(0x85, 0, 0, 0, 126), '(85) call bpf_seq_printf#126'],
    [I(0x85, 0, 0, 0, 5), '(85) call bpf_ktime_get_ns#5'],
    [I(0x85, 0, 0, 0, 100000), '(85) call unknown#100000'],
    [I(0x85, 0, 1, 0, 5), '(85) call pc+5'],
    [I(0x85, 0, 1, 0, -3), '(85) call pc-3'],
    [I(0x85, 0, 2, 0, 12345), '(85) call kernel-function#12345'],
    [I(0x8d, 1), '(8d) callx r1'],
    [I(0xbf, 0, 1, 8), '(bf) r0 = (s8)r1'],
    [I(0xbc, 0, 1, 16), '(bc) w0 = (s16)w1'],
    [I(0xbf, 1, 6), '(bf) r1 = r6'],
    [I(0xb7, 1, 0, 0, -1), '(b7) r1 = -1'],
    [I(0x84, 0), '(84) w0 = -w0'],
    [I(0x87, 3), '(87) r3 = -r3'],
    [I(0xd7, 0, 0, 0, 16), '(d7) r0 = bswap16 r0'],
    [I(0xdc, 0, 0, 0, 32), '(dc) r0 = be32 r0'],
    [I(0xd4, 5, 0, 0, 64), '(d4) r5 = le64 r5'],
    [I(0x37, 1, 0, 1, 3), '(37) r1 s/= 3'],
    [I(0x9c, 1, 2, 1), '(9c) w1 s%= w2'],
    [I(0x3f, 1, 2, 0), '(3f) r1 /= r2'],
    [I(0xc7, 1, 0, 0, 63), '(c7) r1 s>>= 63'],
    [I(0x6c, 1, 2), '(6c) w1 <<= w2'],
    [I(0xdb, 10, 1, -8, 0x00), '(db) lock *(u64 *)(r10 -8) += r1'],
    [I(0xc3, 1, 2, 4, 0xa0), '(c3) lock *(u32 *)(r1 +4) ^= r2'],
    [I(0xdb, 1, 0, 0, 0x01), '(db) r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)'],
    [I(0xc3, 1, 3, 0, 0x51), '(c3) r3 = atomic_fetch_and((u32 *)(r1 +0), r3)'],
    [I(0xdb, 1, 2, 0, 0xe1), '(db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)'],
    [I(0xdb, 1, 2, 8, 0xf1), '(db) r0 = atomic64_cmpxchg((u64 *)(r1 +8), r0, r2)'],
    [I(0xc3, 1, 2, 0, 0xf1), '(c3) r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)'],
    [I(0xdb, 0, 1, 0, 0x100), '(db) r0 = load_acquire((u64 *)(r1 +0))'],
    [I(0xd3, 1, 2, -1, 0x110), '(d3) store_release((u8 *)(r1 -1), r2)'],
    [I(0x05, 0, 0, 1), '(05) goto pc+1'],
    [I(0x06, 0, 0, 0, 1), '(06) gotol pc+1'],
    [I(0xe5, 0, 0, 2), '(e5) may_goto pc+2'],
    [I(0x0d, 3), '(0d) gotox r3'],
    [I(0x95), '(95) exit'],
    [I(0x20, 0, 0, 0, 12), '(20) r0 = *(u32 *)skb[12]'],
    [I(0x48, 0, 6, 0, 2), '(48) r0 = *(u16 *)skb[r6 + 2]'],
    [I(0xbf, 1, 2, 1, (1 << 16) | 0), '(bf) r1 = addr_space_cast(r2, 1, 0)'],
    [I(0xbf, 1, 2, -1), '(bf) r1 = &(void __percpu *)(r2)'],
    [I(0xc2), '(c2) nospec'],
    [I(0x71, 0, 1, 0x7fff), '(71) r0 = *(u8 *)(r1 +32767)'],
    [I(0xe3, 1, 2), '(e3) BUG_e3'],
    [I(0xa1, 1, 2), '(a1) BUG_ldx_a1'],
  ])('%o -> %s', (insn, text) => {
    expect(one(insn)).toBe(text);
  });

  it('prints ld_imm64 as the verifier log does (full value, pseudo forms by value)', () => {
    expect(pair(I(0x18, 1, 0, 0, 0), 0xffff8881 | 0)).toBe('(18) r1 = 0xffff888100000000');
    expect(pair(I(0x18, 0, 0, 0, 1), 0)).toBe('(18) r0 = 0x1');
    expect(pair(I(0x18, 2, 2, 0, 0x00f26000), 0xffffc900 | 0)).toBe('(18) r2 = 0xffffc90000f26000');
    expect(pair(I(0x18, 1, 1, 0, 5), 0, { allowPtrLeaks: false })).toBe('(18) r1 = 0x0');
    expect(pair(I(0x18, 1, 0, 0, 5), 0, { ll: true })).toBe('(18) r1 = 0x5 ll');
  });

  it('prints pseudo ld_imm64 forms as bpftool prog dump xlated does', () => {
    const x = { pseudo: 'xlated' } as const;
    expect(pair(I(0x18, 1, 1, 0, 5), 0, x)).toBe('(18) r1 = map[id:5]');
    expect(pair(I(0x18, 1, 2, 0, 5), 16, x)).toBe('(18) r1 = map[id:5][0]+16');
    expect(pair(I(0x18, 1, 6, 0, 2), 8, x)).toBe('(18) r1 = map[idx:2]+8');
    expect(pair(I(0x18, 2, 4, 0, -46), 0, x)).toBe('(18) r2 = subprog[-46]');
    expect(pair(I(0x18, 1, 5, 0, 3), 0, x)).toBe('(18) r1 = map[idx:3]');
    expect(pair(I(0x18, 1, 3, 0, 77), 0, x)).toBe('(18) r1 = btf_id[77]');
    expect(pair(I(0x18, 1, 0, 0, 7), 0, x)).toBe('(18) r1 = 0x7');
  });

  it('takes the kernel callbacks: helper names, call names, immediates', () => {
    expect(one(I(0x85, 0, 0, 0, 126), { helperName: (id) => (id === 126 ? 'seq_printf' : undefined) })).toBe(
      '(85) call bpf_seq_printf#126',
    );
    expect(one(I(0x85, 0, 0, 0, 1), { helperName: () => undefined })).toBe('(85) call unknown#1');
    expect(one(I(0x85, 0, 2, 0, 99), { callName: () => 'bpf_obj_new_impl' })).toBe(
      '(85) call bpf_obj_new_impl#99',
    );
    expect(one(I(0x85, 0, 1, 0, 4), { callName: () => '+4#0xffffffffc0001234' })).toBe(
      '(85) call pc+4#0xffffffffc0001234',
    );
    expect(pair(I(0x18, 1, 1, 0, 4), 0, { immName: () => 'MAP' })).toBe('(18) r1 = MAP');
  });

  it('prints callx as the kernel would when asked', () => {
    expect(one(I(0x8d, 2), { kernelCallx: true })).toBe('(8d) call bpf_unspec#0');
  });

  it('formatInsnText leaves out the opcode', () => {
    expect(formatInsnText([I(0xbf, 1, 6)], 0)).toBe('r1 = r6');
    expect(formatInsnText([], 3)).toBe('');
  });

  it('disassembles a program in the verifier, bpftool and plain layouts', () => {
    const prog = [I(0xbf, 6, 1), I(0x18, 1, 1, 0, 3), I(0, 0, 0, 0, 0), I(0x85, 0, 0, 0, 1), I(0x95)];
    expect(disassemble(prog)).toBe(
      '0: (bf) r6 = r1\n1: (18) r1 = map[id:3]\n3: (85) call bpf_map_lookup_elem#1\n4: (95) exit\n',
    );
    expect(disassemble(prog, { layout: 'bpftool' })).toBe(
      '   0: (bf) r6 = r1\n   1: (18) r1 = map[id:3]\n   3: (85) call bpf_map_lookup_elem#1\n   4: (95) exit\n',
    );
    expect(disassemble(prog, { layout: 'plain', pseudo: 'kernel' })).toBe(
      'r6 = r1\nr1 = 0x3\ncall bpf_map_lookup_elem#1\nexit\n',
    );
  });
});
