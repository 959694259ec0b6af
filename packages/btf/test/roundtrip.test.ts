import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BtfError, encodeBtf, encodeBtfExt, parseBtf, parseBtfExt } from '../src/index.js';
import { elfSection } from './elf.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const objects = readdirSync(dir).filter((f) => f.endsWith('.o'));
const VMLINUX = '/sys/kernel/btf/vmlinux';

function readable(path: string): boolean {
  try {
    readFileSync(path, { flag: 'r' }).subarray(0, 1);
    return true;
  } catch {
    return false;
  }
}

describe('byte-identical round trip', () => {
  it('has fixtures', () => expect(objects.length).toBeGreaterThan(0));
  for (const f of objects) {
    it(`${f}: .BTF and .BTF.ext`, () => {
      const elf = new Uint8Array(readFileSync(join(dir, f)));
      const raw = elfSection(elf, '.BTF');
      const rawExt = elfSection(elf, '.BTF.ext');
      expect(raw).toBeDefined();
      const btf = parseBtf(raw!);
      expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(raw!))).toBe(true);
      if (rawExt) {
        const ext = parseBtfExt(rawExt, btf);
        expect(ext.funcInfo.sections.length).toBeGreaterThan(0);
        expect(Buffer.from(encodeBtfExt(ext)).equals(Buffer.from(rawExt))).toBe(true);
      }
    });
  }
  const hasVmlinux = existsSync(VMLINUX) && readable(VMLINUX);
  it.skipIf(!hasVmlinux)(`${VMLINUX} (skips when absent)`, () => {
    const raw = new Uint8Array(readFileSync(VMLINUX));
    const btf = parseBtf(raw);
    expect(btf.types.length).toBeGreaterThan(1000);
    expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(raw))).toBe(true);
  });
});

describe('.BTF.ext contents', () => {
  const elf = new Uint8Array(readFileSync(join(dir, 'types.bpf.o')));
  const btf = parseBtf(elfSection(elf, '.BTF')!);
  const ext = parseBtfExt(elfSection(elf, '.BTF.ext')!, btf);
  it('func_info names the programs of each section', () => {
    const iter = ext.funcInfo.sections.find((s) => s.secName === 'iter/task')!;
    expect(iter.records.map((r) => btf.type(r.typeId).name)).toEqual(['dump']);
    const text = ext.funcInfo.sections.find((s) => s.secName === '.text')!;
    expect(text.records.map((r) => btf.type(r.typeId).name)).toEqual(['helper']);
    expect(iter.records[0]!.insnOff).toBe(0);
  });
  it('line_info resolves file names and source lines', () => {
    const li = ext.lineInfo.sections[0]!.records[0]!;
    expect(li.fileName).toMatch(/types\.bpf\.c$/);
    expect(li.line).toContain('dump');
  });
  it('CO-RE relocations carry access strings against local types', () => {
    const relos = ext.coreRelo.sections.flatMap((s) => s.records);
    expect(relos.length).toBeGreaterThan(0);
    for (const r of relos) {
      expect(btf.type(r.typeId).name).toBe('task_struct');
      expect(r.accessStr).toMatch(/^\d+(:\d+)*$/);
      expect(r.kind).toBe(0);
    }
  });
});

describe('byte orders and malformed input', () => {
  const raw = elfSection(new Uint8Array(readFileSync(join(dir, 'types.bpf.o'))), '.BTF')!;
  it('big-endian BTF parses to the same types and re-encodes identically', () => {
    const le = parseBtf(raw);
    le.littleEndian = false;
    const be = encodeBtf(le);
    expect(be[0]).toBe(0xeb);
    const parsed = parseBtf(be);
    expect(parsed.littleEndian).toBe(false);
    expect(parsed.types).toEqual(parseBtf(raw).types);
    expect(Buffer.from(encodeBtf(parsed)).equals(Buffer.from(be))).toBe(true);
  });
  it('explains what is wrong', () => {
    expect(() => parseBtf(raw.slice(0, 10))).toThrow(/too short/);
    const bad = raw.slice();
    bad[0] = 0;
    expect(() => parseBtf(bad)).toThrow(/bad BTF magic/);
    const trunc = raw.slice();
    new DataView(trunc.buffer).setUint32(12, 1680, true);
    expect(() => parseBtf(trunc)).toThrow(BtfError);
    const kind = raw.slice();
    kind[24 + 7] = 30;
    expect(() => parseBtf(kind)).toThrow('type [1]: invalid kind 30');
  });
});

describe('CO-RE relocation kinds (core.bpf.o)', () => {
  it('reads every relocation kind clang emits with its access string', () => {
    const elf = new Uint8Array(readFileSync(join(dir, 'core.bpf.o')));
    const btf = parseBtf(elfSection(elf, '.BTF')!);
    const ext = parseBtfExt(elfSection(elf, '.BTF.ext')!, btf);
    const relos = ext.coreRelo.sections.flatMap((s) => s.records);
    expect([...new Set(relos.map((r) => r.kind))].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
    const enumVal = relos.find((r) => r.kind === 11)!;
    expect(btf.type(enumVal.typeId).name).toBe('mode');
    expect(enumVal.accessStr).toBe('1');
    expect(relos.find((r) => r.kind === 0)!.accessStr).toBe('0:1');
  });
});
