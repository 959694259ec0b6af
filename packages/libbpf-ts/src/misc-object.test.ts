import { fileURLToPath } from 'node:url';
import { decodeInsns } from '@tsbpf/bpf-vm';
import { BTF_FUNC_GLOBAL, BTF_FUNC_STATIC, type Btf, parseBtf } from '@tsbpf/btf';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BpfMapType, BpfProgType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { BpfObject } from './object.js';
import { capturePrint } from './testing/capturePrint.js';
import { FakeSyscalls } from './testing/fakeSyscalls.js';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/misc.bpf.o', import.meta.url));

const printed = capturePrint();

describe('misc.bpf.o: legacy maps, callbacks, hidden subprograms, unknown sections', () => {
  it('refuses legacy `maps` definitions like libbpf v1.0+', () => {
    expect(() => BpfObject.openFile(FIXTURE)).toThrow(expect.objectContaining({ errno: 'EOPNOTSUPP' }));
    expect(printed).toContain(
      "libbpf: elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+\n",
    );
  });

  it('with legacyMaps, loads an XDP program with a bpf_loop callback and a hidden global subprogram', () => {
    const sys = new FakeSyscalls();
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys, legacyMaps: true });
    expect(obj.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries])).toEqual([
      ['counters', BpfMapType.BPF_MAP_TYPE_ARRAY, 4, 8, 4],
      ['misc.rodata', BpfMapType.BPF_MAP_TYPE_ARRAY, 4, 7, 1],
    ]);
    expect(printed).toContain(
      "libbpf: prog 'mystery': unrecognized ELF section name 'not_a_known_section'\n",
    );
    // a hidden global subprogram stays global until load (libbpf marks it static then)
    const linkage = (btf: Btf) => {
      const fn = btf.type(btf.findByName('add_one', 'FUNC')!);
      return fn.kind === 'FUNC' ? fn.linkage : -1;
    };
    expect(linkage(obj.btf!)).toBe(BTF_FUNC_GLOBAL);

    // SEC("?xdp"): an XDP program that starts with autoload off
    const opt = obj.findProgramByName('optional_xdp')!;
    expect([opt.sectionName, opt.type, opt.autoload]).toEqual(['xdp', BpfProgType.BPF_PROG_TYPE_XDP, false]);
    obj.findProgramByName('mystery')!.autoload = false;
    obj.load();
    expect(sys.callsOf('BPF_PROG_LOAD').map((c) => c.attr.prog_name)).toEqual(['xdp_count']);
    expect(opt.fd).toBe(-1);
    const a = sys.callsOf('BPF_PROG_LOAD')[0]!.attr;
    expect(a.prog_type).toBe(BpfProgType.BPF_PROG_TYPE_XDP);
    const insns = decodeInsns(a.insns as Uint8Array);
    // 29 main + loop_cb (7) + add_one (3)
    expect(insns).toHaveLength(39);
    expect(insns[6]).toMatchObject({ src: BPF_PSEUDO_FUNC, imm: 29 - 6 - 1 });
    expect(insns[12]).toMatchObject({ src: BPF_PSEUDO_MAP_FD, imm: obj.maps[0]!.fd });
    // loop_cb (now at 29) calls add_one (appended at 36)
    expect(insns[29 + 1]).toMatchObject({ src: BPF_PSEUDO_CALL, imm: 36 - 30 - 1 });
    expect(a.func_info_cnt).toBe(3);
    // ... and is a static FUNC in the BTF given to the kernel
    const loaded = parseBtf(sys.callsOf('BPF_BTF_LOAD')[0]!.attr.btf as Uint8Array);
    expect(linkage(loaded)).toBe(BTF_FUNC_STATIC);
    expect(linkage(obj.btf!)).toBe(BTF_FUNC_STATIC);
    obj.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('fails to load a program whose section names no program type', () => {
    const sys = new FakeSyscalls();
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys, legacyMaps: true });
    expect(() => obj.load()).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(printed).toContain(
      "libbpf: prog 'mystery': missing BPF prog type, check ELF section name 'not_a_known_section'\n",
    );
    expect(sys.openFds.size).toBe(0);
  });
});
