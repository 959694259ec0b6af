import type { Insn } from '@tsbpf/bpf-vm';
import { Btf, essentialName } from '@tsbpf/btf';
import {
  BPF_ALU64,
  BPF_CALL,
  BPF_DW,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_W,
  BpfCoreReloKind as K,
} from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { applyCoreRelo, CoreCandidateCache } from './apply.js';
import { type CoreLog, POISON_HELPER_ID } from './relo.js';
import { CoreError, formatSpec, parseSpec } from './spec.js';

/** Local (program) view: struct task_struct { int pid; int tgid; union { u64 a; }; u32 flags:3, state:5; char comm[16]; } */
function localBtf(): Btf {
  const b = new Btf();
  const int = b.add({ kind: 'INT', name: 'int', size: 4, encoding: 1, offset: 0, bits: 32 }); // 1
  const u32 = b.add({ kind: 'INT', name: 'unsigned int', size: 4, encoding: 0, offset: 0, bits: 32 }); // 2
  const u64 = b.add({
    kind: 'INT',
    name: 'long long unsigned int',
    size: 8,
    encoding: 0,
    offset: 0,
    bits: 64,
  }); // 3
  const anon = b.add({
    kind: 'UNION',
    name: '',
    size: 8,
    kflag: false,
    members: [{ name: 'a', type: u64, bitOffset: 0, bitfieldSize: 0 }],
  }); // 4
  const char = b.add({ kind: 'INT', name: 'char', size: 1, encoding: 1, offset: 0, bits: 8 }); // 5
  const comm = b.add({ kind: 'ARRAY', name: '', type: char, indexType: int, nelems: 16 }); // 6
  b.add({
    kind: 'STRUCT',
    name: 'task_struct',
    size: 48,
    kflag: true,
    members: [
      { name: 'pid', type: int, bitOffset: 0, bitfieldSize: 0 },
      { name: 'tgid', type: int, bitOffset: 32, bitfieldSize: 0 },
      { name: '', type: anon, bitOffset: 64, bitfieldSize: 0 },
      { name: 'flags', type: u32, bitOffset: 128, bitfieldSize: 3 },
      { name: 'state', type: u32, bitOffset: 131, bitfieldSize: 5 },
      { name: 'comm', type: comm, bitOffset: 160, bitfieldSize: 0 },
      { name: 'gone', type: u64, bitOffset: 320, bitfieldSize: 0 },
    ],
  }); // 7
  b.add({
    kind: 'ENUM',
    name: 'state___local',
    size: 4,
    signed: false,
    values: [
      { name: 'RUNNING', value: 0 },
      { name: 'DEAD', value: 16 },
    ],
  }); // 8
  b.add({
    kind: 'STRUCT',
    name: 'task_struct___v2',
    size: 8,
    kflag: false,
    members: [{ name: 'tgid', type: int, bitOffset: 32, bitfieldSize: 0 }],
  }); // 9
  b.add({ kind: 'PTR', name: '', type: 7 }); // 10
  return b;
}

/** Target (kernel) view with different layout: pid at 1264, tgid at 1268, the union deeper, comm at 1752. */
function targetBtf(): Btf {
  const b = new Btf();
  const int = b.add({ kind: 'INT', name: 'int', size: 4, encoding: 1, offset: 0, bits: 32 }); // 1
  const u32 = b.add({ kind: 'INT', name: 'unsigned int', size: 4, encoding: 0, offset: 0, bits: 32 }); // 2
  const u64 = b.add({
    kind: 'INT',
    name: 'long long unsigned int',
    size: 8,
    encoding: 0,
    offset: 0,
    bits: 64,
  }); // 3
  const inner = b.add({
    kind: 'STRUCT',
    name: '',
    size: 8,
    kflag: false,
    members: [{ name: 'a', type: u64, bitOffset: 0, bitfieldSize: 0 }],
  }); // 4
  const anon = b.add({
    kind: 'UNION',
    name: '',
    size: 8,
    kflag: false,
    members: [{ name: '', type: inner, bitOffset: 0, bitfieldSize: 0 }],
  }); // 5
  const char = b.add({ kind: 'INT', name: 'char', size: 1, encoding: 1, offset: 0, bits: 8 }); // 6
  const comm = b.add({ kind: 'ARRAY', name: '', type: char, indexType: int, nelems: 16 }); // 7
  const u16 = b.add({ kind: 'INT', name: 'short unsigned int', size: 2, encoding: 0, offset: 0, bits: 16 }); // 8
  b.add({
    kind: 'STRUCT',
    name: 'task_struct',
    size: 2000,
    kflag: true,
    members: [
      { name: 'x', type: u64, bitOffset: 0, bitfieldSize: 0 },
      { name: 'flags', type: u32, bitOffset: 1200 * 8 + 30, bitfieldSize: 3 },
      { name: 'state', type: u32, bitOffset: 1200 * 8 + 33, bitfieldSize: 5 },
      { name: 'pid', type: int, bitOffset: 1264 * 8, bitfieldSize: 0 },
      { name: 'tgid', type: u16, bitOffset: 1268 * 8, bitfieldSize: 0 },
      { name: '', type: anon, bitOffset: 1272 * 8, bitfieldSize: 0 },
      { name: 'comm', type: comm, bitOffset: 1752 * 8, bitfieldSize: 0 },
    ],
  }); // 9
  b.add({
    kind: 'ENUM',
    name: 'state',
    size: 4,
    signed: false,
    values: [
      { name: 'DEAD', value: 128 },
      { name: 'RUNNING', value: 0 },
    ],
  }); // 10
  return b;
}

const ldx = (off: number, size = BPF_W): Insn => ({
  code: BPF_LDX | BPF_MEM | size,
  dst: 1,
  src: 2,
  off,
  imm: 0,
});
const movImm = (imm: number): Insn => ({ code: BPF_ALU64 | BPF_MOV | BPF_K, dst: 1, src: 0, off: 0, imm });

function run(insns: Insn[], typeId: number, accessStr: string, kind: number, target = targetBtf()) {
  const debug: string[] = [];
  const warn: string[] = [];
  const log: CoreLog = { debug: (m) => debug.push(m), warn: (m) => warn.push(m) };
  const cache = new CoreCandidateCache(localBtf(), { btf: target, name: 'vmlinux' }, log);
  const res = applyCoreRelo('prog', insns, { insnIdx: 0, typeId, accessStr, kind }, 0, cache, log);
  return { res, debug, warn, insns };
}

describe('CO-RE relocations', () => {
  it('relocates a field offset in an LDX and logs like libbpf', () => {
    const { insns, debug } = run([ldx(0)], 7, '0:0', K.BPF_CORE_FIELD_BYTE_OFFSET);
    expect(insns[0]!.off).toBe(1264);
    expect(debug).toEqual([
      'CO-RE relocating [7] struct task_struct: found target candidate [9] struct task_struct in [vmlinux]',
      "prog 'prog': relo #0: <byte_off> [7] struct task_struct.pid (0:0 @ offset 0)",
      "prog 'prog': relo #0: matching candidate #0 <byte_off> [9] struct task_struct.pid (0:3 @ offset 1264)",
      "prog 'prog': relo #0: patched insn #0 (LDX/ST/STX) off 0 -> 1264",
    ]);
  });

  it('follows anonymous members on both sides', () => {
    const { insns, debug } = run([ldx(8, BPF_DW)], 7, '0:2:0', K.BPF_CORE_FIELD_BYTE_OFFSET);
    expect(insns[0]!.off).toBe(1272);
    expect(debug[2]).toContain('struct task_struct.a (0:5:0:0 @ offset 1272)');
  });

  it('shrinks the load size for an unsigned int that became smaller (mem_sz)', () => {
    // local tgid is int (signed) -> target u16: not safe, poisoned; use the u64 "a" via ptr-free path instead
    const { insns, warn } = run([ldx(4)], 7, '0:1', K.BPF_CORE_FIELD_BYTE_OFFSET);
    expect(warn[0]).toContain('accesses field incorrectly');
    expect(insns[0]).toEqual({ code: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: POISON_HELPER_ID });
  });

  it('relocates an ALU immediate (array field offset) and byte size', () => {
    expect(run([movImm(20)], 7, '0:5', K.BPF_CORE_FIELD_BYTE_OFFSET).insns[0]!.imm).toBe(1752);
    expect(run([movImm(16)], 7, '0:5', K.BPF_CORE_FIELD_BYTE_SIZE).insns[0]!.imm).toBe(16);
    // element 3 of comm: 1752 + 3
    expect(run([movImm(23)], 7, '0:5:3', K.BPF_CORE_FIELD_BYTE_OFFSET).insns[0]!.imm).toBe(1755);
  });

  it('computes bitfield offset, size and shifts', () => {
    // target state: bits [9633, 9638) -> 4-byte load at 1204, lshift 64-(9638-9632)=58, rshift 59
    expect(run([movImm(16)], 7, '0:4', K.BPF_CORE_FIELD_BYTE_OFFSET).insns[0]!.imm).toBe(1204);
    expect(run([movImm(4)], 7, '0:4', K.BPF_CORE_FIELD_BYTE_SIZE).insns[0]!.imm).toBe(4);
    expect(run([movImm(56)], 7, '0:4', K.BPF_CORE_FIELD_LSHIFT_U64).insns[0]!.imm).toBe(58);
    expect(run([movImm(59)], 7, '0:4', K.BPF_CORE_FIELD_RSHIFT_U64).insns[0]!.imm).toBe(59);
    expect(run([movImm(0)], 7, '0:4', K.BPF_CORE_FIELD_SIGNED).insns[0]!.imm).toBe(0);
    expect(run([movImm(1)], 7, '0:0', K.BPF_CORE_FIELD_SIGNED).insns[0]!.imm).toBe(1);
  });

  it('field existence: 1 when present, 0 when missing (no poison)', () => {
    expect(run([movImm(1)], 7, '0:0', K.BPF_CORE_FIELD_EXISTS).insns[0]!.imm).toBe(1);
    const r = run([movImm(1)], 7, '0:6', K.BPF_CORE_FIELD_EXISTS);
    expect(r.insns[0]!.imm).toBe(0);
    expect(r.debug).toContain(
      "prog 'prog': relo #0: non-matching candidate #0 <field_exists> [9] struct task_struct (0 @ offset 0)",
    );
  });

  it('poisons an access to a field the target lacks', () => {
    const r = run([ldx(40, BPF_DW)], 7, '0:6', K.BPF_CORE_FIELD_BYTE_OFFSET);
    expect(r.insns[0]!.imm).toBe(0xbad2310);
    expect(r.debug).toContain("prog 'prog': relo #0: no matching targets found");
    expect(r.debug).toContain("prog 'prog': relo #0: substituting insn #0 w/ invalid insn");
  });

  it('matches flavoured names (___v2) and enumerators by essential name', () => {
    expect(essentialName('task_struct___v2')).toBe('task_struct');
    expect(essentialName('task_struct___a___b')).toBe('task_struct___a');
    expect(essentialName('a___')).toBe('a___');
    expect(run([ldx(4)], 9, '0:0', K.BPF_CORE_FIELD_BYTE_OFFSET).warn[0]).toContain(
      'accesses field incorrectly',
    );
    const ld: Insn[] = [
      { code: BPF_LD | BPF_DW, dst: 1, src: 0, off: 0, imm: 16 },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
    ];
    const r = run(ld, 8, '1', K.BPF_CORE_ENUMVAL_VALUE);
    expect(r.insns[0]!.imm).toBe(128);
    expect(r.debug[1]).toBe("prog 'prog': relo #0: <enumval_value> [8] enum state___local::DEAD = 16");
    expect(run([movImm(1)], 8, '1', K.BPF_CORE_ENUMVAL_EXISTS).insns[0]!.imm).toBe(1);
  });

  it('poisons both halves of an ld_imm64 whose enumerator is missing', () => {
    const t = targetBtf();
    const ld: Insn[] = [
      { code: BPF_LD | BPF_DW, dst: 1, src: 0, off: 0, imm: 16 },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
    ];
    const e = t.type(10);
    if (e.kind === 'ENUM') e.values = [{ name: 'RUNNING', value: 0 }];
    const r = run(ld, 8, '1', K.BPF_CORE_ENUMVAL_VALUE, t);
    expect(r.insns.map((i) => i.imm)).toEqual([POISON_HELPER_ID, POISON_HELPER_ID]);
  });

  it('type-based relocations: id, exists, size, matches', () => {
    expect(run([movImm(7)], 7, '0', K.BPF_CORE_TYPE_ID_TARGET).insns[0]!.imm).toBe(9);
    expect(run([movImm(7)], 7, '0', K.BPF_CORE_TYPE_ID_LOCAL).insns[0]!.imm).toBe(7);
    expect(run([movImm(1)], 7, '0', K.BPF_CORE_TYPE_EXISTS).insns[0]!.imm).toBe(1);
    expect(run([movImm(48)], 7, '0', K.BPF_CORE_TYPE_SIZE).insns[0]!.imm).toBe(2000);
    // tgid is int locally and u16 in the target: layouts differ, so types do not "match"
    expect(run([movImm(1)], 7, '0', K.BPF_CORE_TYPE_MATCHES).insns[0]!.imm).toBe(0);
    // v2 flavour only has tgid (int): its members all exist in the kernel struct, but tgid is u16 there
    expect(run([movImm(1)], 9, '0', K.BPF_CORE_TYPE_MATCHES).insns[0]!.imm).toBe(0);
    const t = targetBtf();
    const ts = t.type(9);
    if (ts.kind === 'STRUCT') ts.members[4]!.type = 1;
    expect(run([movImm(1)], 9, '0', K.BPF_CORE_TYPE_MATCHES, t).insns[0]!.imm).toBe(1);
    const none = new Btf();
    expect(run([movImm(1)], 7, '0', K.BPF_CORE_TYPE_EXISTS, none).insns[0]!.imm).toBe(0);
  });

  it('refuses an instruction whose current value disagrees with the local spec', () => {
    expect(() => run([ldx(12)], 7, '0:0', K.BPF_CORE_FIELD_BYTE_OFFSET)).toThrow(CoreError);
  });

  it('reports ambiguity between candidates with different offsets', () => {
    const t = targetBtf();
    t.add({
      kind: 'STRUCT',
      name: 'task_struct___other',
      size: 8,
      kflag: false,
      members: [{ name: 'pid', type: 1, bitOffset: 32, bitfieldSize: 0 }],
    });
    const r = () => run([ldx(0)], 7, '0:0', K.BPF_CORE_FIELD_BYTE_OFFSET, t);
    expect(r).toThrow(CoreError);
  });

  it('formats specs with array indices and bit offsets', () => {
    const l = localBtf();
    expect(formatSpec(parseSpec(l, 7, '0:5:3', K.BPF_CORE_FIELD_BYTE_OFFSET))).toBe(
      '<byte_off> [7] struct task_struct.comm[3] (0:5:3 @ offset 23)',
    );
    expect(formatSpec(parseSpec(l, 7, '1:4', K.BPF_CORE_FIELD_BYTE_OFFSET))).toBe(
      '<byte_off> [7] struct task_struct[1].state (1:4 @ offset 64.3)',
    );
    expect(() => parseSpec(l, 7, '0:9', K.BPF_CORE_FIELD_BYTE_OFFSET)).toThrow(CoreError);
  });
});
