import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf } from '@tsbpf/bpf-vm';
import {
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
  BTF_VAR_GLOBAL_EXTERN,
  BTF_VAR_STATIC,
  BtfBuilder,
  encodeBtf,
  parseBtf,
} from '@tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { type DatasecFixupInput, fixupDatasecs, markFuncsStatic } from './btfFixup.js';
import { BpfObject } from './object.js';
import { capturePrint } from './testing/capturePrint.js';

const printed = capturePrint();

/** A .data DATASEC as clang leaves it: size 0, VAR offsets 0. */
function clangData() {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const a = b.variable('a', int);
  const hid = b.variable('hid', int);
  const st = b.variable('st', int, BTF_VAR_STATIC);
  const ext = b.variable('ext', int, BTF_VAR_GLOBAL_EXTERN);
  const ds = b.datasec(
    '.data',
    [
      { type: a, offset: 0, size: 4 },
      { type: hid, offset: 0, size: 4 },
      { type: st, offset: 8, size: 4 },
      { type: ext, offset: 0, size: 4 },
    ],
    0,
  );
  return { btf: b.btf, ds, hid };
}

const elfFacts: DatasecFixupInput = {
  sectionSize: (n) => (n === '.data' ? 12 : undefined),
  varSymbol: (n) => ({ a: { offset: 4, hidden: false }, hid: { offset: 0, hidden: true } })[n],
};

describe('fixupDatasecs (btf_fixup_datasec)', () => {
  it('takes the size from the ELF section, offsets from symbols, hides STV_HIDDEN vars and sorts', () => {
    const { btf, ds, hid } = clangData();
    fixupDatasecs(btf, elfFacts);
    const t = btf.type(ds);
    expect(t.kind === 'DATASEC' && t.size).toBe(12);
    expect(t.kind === 'DATASEC' && t.vars.map((v) => [btf.type(v.type).name, v.offset])).toEqual([
      ['hid', 0],
      ['ext', 0],
      ['a', 4],
      ['st', 8],
    ]);
    const h = btf.type(hid);
    expect(h.kind === 'VAR' && h.linkage).toBe(BTF_VAR_STATIC);
    // the fixed model encodes and parses back the same
    const again = parseBtf(encodeBtf(btf)).type(ds);
    expect(again).toEqual(t);
  });

  it('fails the open like libbpf when the ELF lacks the section or a symbol', () => {
    const noSec = clangData();
    expect(() => fixupDatasecs(noSec.btf, { ...elfFacts, sectionSize: () => undefined })).toThrow(
      expect.objectContaining({ errno: 'ENOENT' }),
    );
    expect(printed).toContain("libbpf: sec '.data': failed to determine size from ELF: size 0, err -2\n");
    const noSym = clangData();
    expect(() => fixupDatasecs(noSym.btf, { ...elfFacts, varSymbol: () => undefined })).toThrow(
      expect.objectContaining({ errno: 'ENOENT' }),
    );
    expect(printed).toContain("libbpf: sec '.data': failed to find ELF symbol for VAR 'a'\n");
  });

  it('leaves .kconfig/.ksyms layouts alone (only sorts) and rejects a non-VAR entry', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    const x = b.variable('x', int, BTF_VAR_GLOBAL_EXTERN);
    const y = b.variable('y', int, BTF_VAR_GLOBAL_EXTERN);
    const k = b.datasec('.kconfig', [
      { type: y, offset: 4, size: 4 },
      { type: x, offset: 0, size: 4 },
    ]);
    fixupDatasecs(b.btf, { sectionSize: () => undefined, varSymbol: () => undefined });
    const t = b.btf.type(k);
    expect(t.kind === 'DATASEC' && [t.size, t.vars.map((v) => v.type)]).toEqual([8, [x, y]]);

    const bad = new BtfBuilder();
    const i2 = bad.int('int', 4);
    bad.datasec('.data', [{ type: i2, offset: 0, size: 4 }], 4);
    expect(() => fixupDatasecs(bad.btf, elfFacts)).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(printed).toContain("libbpf: sec '.data': unexpected non-VAR type found\n");
  });
});

describe('markFuncsStatic', () => {
  it('turns the first global FUNC of each name static and leaves others', () => {
    const b = new BtfBuilder();
    const proto = b.funcProto(0, []);
    const st = b.func('helper', proto, BTF_FUNC_STATIC);
    const gl = b.func('helper', proto, BTF_FUNC_GLOBAL);
    const other = b.func('other', proto, BTF_FUNC_GLOBAL);
    markFuncsStatic(b.btf, ['helper']);
    const linkage = (id: number) => {
      const t = b.btf.type(id);
      return t.kind === 'FUNC' ? t.linkage : -1;
    };
    expect([linkage(st), linkage(gl), linkage(other)]).toEqual([
      BTF_FUNC_STATIC,
      BTF_FUNC_STATIC,
      BTF_FUNC_GLOBAL,
    ]);
  });
});

describe('object BTF at open (bpf_object__init_btf)', () => {
  const path = fileURLToPath(new URL('../test/fixtures/iter_multi.bpf.o', import.meta.url));
  const good = new Uint8Array(readFileSync(path));
  const corrupt = (name: string, from = good) => {
    const bytes = from.slice();
    const sec = parseElf(bytes).sectionByName(name)!;
    bytes[sec.offset] = 0; // break the magic
    return bytes;
  };

  it('refuses an object with BTF-defined maps whose .BTF is corrupt', () => {
    expect(() => BpfObject.openMemory(corrupt('.BTF'), { objectName: 'x' })).toThrow(
      expect.objectContaining({ errno: 'EINVAL' }),
    );
    expect(printed).toContain('libbpf: Error loading ELF section .BTF: -22.\n');
    expect(printed).toContain('libbpf: BTF is required, but is missing or corrupted.\n');
  });

  it('drops a corrupt .BTF.ext ("Ignored and continue"), unless BTF-defined maps need BTF', () => {
    const misc = fileURLToPath(new URL('../test/fixtures/misc.bpf.o', import.meta.url));
    const bytes = corrupt('.BTF.ext', new Uint8Array(readFileSync(misc)));
    const obj = BpfObject.openMemory(bytes, { objectName: 'x', legacyMaps: true });
    expect(printed).toContain('libbpf: Error loading ELF section .BTF.ext: -22. Ignored and continue.\n');
    expect(obj.btf?.findByName('xdp_count', 'FUNC')).toBeDefined();
    expect(obj.def.btfExt).toBeUndefined();
    expect(obj.programs.every((p) => p.def.funcInfo.length === 0)).toBe(true);
    // libbpf 1.1 jumps to its "needs BTF" check with the error still set
    printed.length = 0;
    expect(() => BpfObject.openMemory(corrupt('.BTF.ext'), { objectName: 'x' })).toThrow(
      expect.objectContaining({ errno: 'EINVAL' }),
    );
    expect(printed.slice(-2)).toEqual([
      'libbpf: Error loading ELF section .BTF.ext: -22. Ignored and continue.\n',
      'libbpf: BTF is required, but is missing or corrupted.\n',
    ]);
  });

  it('resolves .BTF.ext section names and CO-RE access strings through the object BTF', () => {
    const obj = BpfObject.openMemory(good, { objectName: 'x' });
    const ext = obj.def.btfExt!;
    expect(ext.funcInfo.sections.map((s) => s.secName)).toContain('iter/task');
    const relos = ext.coreRelo.sections.flatMap((s) => s.records);
    expect(relos.length).toBe(obj.def.coreReloCount);
    expect(relos.every((r) => /^\d+(:\d+)*$/.test(r.accessStr ?? ''))).toBe(true);
  });
});
