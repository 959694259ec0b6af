import { encodeInsns, type Insn } from '@tsbpf/bpf-vm';
import { BPF_FUNC, BpfMapType, BpfProgType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

describe('running a loaded program', () => {
  it('map_lookup_elem returns the value address in kernel memory; the program reads through it', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const m = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 8,
      max_entries: 2,
    });
    p.bpf('BPF_MAP_UPDATE_ELEM', {
      map_fd: m,
      key: u32(1),
      value: new Uint8Array(new BigUint64Array([1234n]).buffer),
    });
    // *(u32 *)(fp-4) = 1; r0 = map_lookup_elem(map, fp-4); if r0 == 0 goto out; r0 = *(u64 *)r0; out: exit
    const insns: Insn[] = [
      { code: 0x62, dst: 10, src: 0, off: -4, imm: 1 },
      { code: 0x18, dst: 1, src: 1, off: 0, imm: m },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0xbf, dst: 2, src: 10, off: 0, imm: 0 },
      { code: 0x07, dst: 2, src: 0, off: 0, imm: -4 },
      { code: 0x85, dst: 0, src: 0, off: 0, imm: BPF_FUNC.map_lookup_elem },
      { code: 0x15, dst: 0, src: 0, off: 1, imm: 0 },
      { code: 0x79, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ];
    p.bpf('BPF_PROG_LOAD', {
      prog_type: BpfProgType.BPF_PROG_TYPE_SOCKET_FILTER,
      insns: encodeInsns(insns),
      insn_cnt: insns.length,
      license: 'GPL',
    });
    const prog = k.bpfIds.progs.get(1)!;
    expect(k.bpf.runProg(prog, 0n)).toBe(1234n);
  });
});
