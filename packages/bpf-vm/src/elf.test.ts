import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ElfError,
  EM_BPF,
  ET_REL,
  parseElf,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STT_FUNC,
} from './elf.js';

interface SecSpec {
  name: string;
  type: number;
  flags?: number;
  data: Uint8Array;
  link?: number;
  info?: number;
  entsize?: number;
  nobitsSize?: number;
}

/** Builds an ELF64 relocatable file from section specs (index 0 = null section is added). */
function buildElf(specs: SecSpec[], opts: { bigEndian?: boolean; machine?: number } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const shstr: number[] = [0];
  const nameOff = (n: string) => {
    const off = shstr.length;
    for (const c of Buffer.from(n)) shstr.push(c);
    shstr.push(0);
    return off;
  };
  const all: (SecSpec & { nameOff: number })[] = [
    { name: '', type: 0, data: new Uint8Array(0), nameOff: 0 },
    ...specs.map((s) => ({ ...s, nameOff: nameOff(s.name) })),
  ];
  const shstrNameOff = nameOff('.shstrtab');
  all.push({ name: '.shstrtab', type: SHT_STRTAB, data: Uint8Array.from(shstr), nameOff: shstrNameOff });
  const offsets: number[] = [];
  let off = 64;
  for (const s of all) {
    off = (off + 7) & ~7;
    offsets.push(off);
    off += s.data.length;
  }
  const shoff = (off + 7) & ~7;
  const total = shoff + all.length * 64;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0]);
  dv.setUint16(16, ET_REL, le);
  dv.setUint16(18, opts.machine ?? EM_BPF, le);
  dv.setUint32(20, 1, le);
  dv.setBigUint64(40, BigInt(shoff), le);
  dv.setUint16(52, 64, le);
  dv.setUint16(58, 64, le);
  dv.setUint16(60, all.length, le);
  dv.setUint16(62, all.length - 1, le);
  all.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    const o = shoff + i * 64;
    dv.setUint32(o, s.nameOff, le);
    dv.setUint32(o + 4, s.type, le);
    dv.setBigUint64(o + 8, BigInt(s.flags ?? 0), le);
    dv.setBigUint64(o + 24, BigInt(i === 0 ? 0 : offsets[i]!), le);
    dv.setBigUint64(o + 32, BigInt(s.nobitsSize ?? s.data.length), le);
    dv.setUint32(o + 40, s.link ?? 0, le);
    dv.setUint32(o + 44, s.info ?? 0, le);
    dv.setBigUint64(o + 48, 8n, le);
    dv.setBigUint64(o + 56, BigInt(s.entsize ?? 0), le);
  });
  return out;
}

function strtab(names: string[]): { data: Uint8Array; offs: number[] } {
  const bytes: number[] = [0];
  const offs = names.map((n) => {
    const o = bytes.length;
    for (const c of Buffer.from(n)) bytes.push(c);
    bytes.push(0);
    return o;
  });
  return { data: Uint8Array.from(bytes), offs };
}

function symtab(
  syms: { name: number; info: number; other?: number; shndx: number; value: bigint; size: bigint }[],
  le = true,
) {
  const out = new Uint8Array((syms.length + 1) * 24);
  const dv = new DataView(out.buffer);
  syms.forEach((s, i) => {
    const o = (i + 1) * 24;
    dv.setUint32(o, s.name, le);
    out[o + 4] = s.info;
    out[o + 5] = s.other ?? 0;
    dv.setUint16(o + 6, s.shndx, le);
    dv.setBigUint64(o + 8, s.value, le);
    dv.setBigUint64(o + 16, s.size, le);
  });
  return out;
}

function rels(
  entries: { offset: number; sym: number; type: number; addend?: bigint }[],
  rela: boolean,
  le = true,
) {
  const size = rela ? 24 : 16;
  const out = new Uint8Array(entries.length * size);
  const dv = new DataView(out.buffer);
  entries.forEach((e, i) => {
    dv.setBigUint64(i * size, BigInt(e.offset), le);
    dv.setBigUint64(i * size + 8, (BigInt(e.sym) << 32n) | BigInt(e.type), le);
    if (rela) dv.setBigInt64(i * size + 16, e.addend ?? 0n, le);
  });
  return out;
}

/** A small BPF-like object: a program section, .bss, a symbol table and REL/RELA sections. */
function sample(bigEndian = false): Uint8Array {
  const le = !bigEndian;
  const str = strtab(['my_prog', 'counter']);
  const prog = new Uint8Array(24).fill(0x11);
  // indexes: 1 prog, 2 .bss, 3 .strtab, 4 .symtab, 5 .relprog, 6 .rela
  return buildElf(
    [
      { name: 'iter/task', type: SHT_PROGBITS, flags: 6, data: prog },
      { name: '.bss', type: SHT_NOBITS, flags: 3, data: new Uint8Array(0), nobitsSize: 16 },
      { name: '.strtab', type: SHT_STRTAB, data: str.data },
      {
        name: '.symtab',
        type: SHT_SYMTAB,
        link: 3,
        entsize: 24,
        data: symtab(
          [
            { name: str.offs[0]!, info: (STB_GLOBAL << 4) | STT_FUNC, shndx: 1, value: 0n, size: 24n },
            { name: str.offs[1]!, info: 1, other: 2, shndx: 2, value: 8n, size: 8n },
          ],
          le,
        ),
      },
      {
        name: '.reliter/task',
        type: SHT_REL,
        link: 4,
        info: 1,
        entsize: 16,
        data: rels([{ offset: 8, sym: 2, type: 1 }], false, le),
      },
      {
        name: '.relaiter/task',
        type: SHT_RELA,
        link: 4,
        info: 1,
        entsize: 24,
        data: rels([{ offset: 16, sym: 1, type: 10, addend: -8n }], true, le),
      },
    ],
    { bigEndian },
  );
}

describe('parseElf', () => {
  for (const bigEndian of [false, true]) {
    it(`reads header, sections, symbols and relocations (${bigEndian ? 'big' : 'little'} endian)`, () => {
      const elf = parseElf(sample(bigEndian));
      expect(elf.header).toMatchObject({
        class: 2,
        endianness: bigEndian ? 'big' : 'little',
        machine: EM_BPF,
        type: ET_REL,
      });
      expect(elf.sections.map((s) => s.name)).toEqual([
        '',
        'iter/task',
        '.bss',
        '.strtab',
        '.symtab',
        '.reliter/task',
        '.relaiter/task',
        '.shstrtab',
      ]);
      const prog = elf.sectionByName('iter/task')!;
      expect(prog).toMatchObject({ type: SHT_PROGBITS, flags: 6, size: 24 });
      expect(prog.data).toEqual(new Uint8Array(24).fill(0x11));
      const bss = elf.sectionByName('.bss')!;
      expect(bss.size).toBe(16);
      expect(bss.data.length).toBe(0);
      expect(elf.symbols).toHaveLength(3);
      expect(elf.symbols[1]).toMatchObject({
        name: 'my_prog',
        type: STT_FUNC,
        bind: STB_GLOBAL,
        shndx: 1,
        size: 24n,
      });
      expect(elf.symbols[2]).toMatchObject({
        name: 'counter',
        type: 1,
        bind: 0,
        visibility: 2,
        value: 8n,
        shndx: 2,
      });
      expect(elf.relocationsFor(1)).toEqual([
        { offset: 8, symbolIndex: 2, type: 1, addend: 0n },
        { offset: 16, symbolIndex: 1, type: 10, addend: -8n },
      ]);
      expect(elf.relocations.get(1)?.map((r) => r.section.name)).toEqual(['.reliter/task', '.relaiter/task']);
      expect(elf.sectionByName('nope')).toBeUndefined();
    });
  }

  it('rejects ELFCLASS32, bad magic and short files with typed errors', () => {
    const good = sample();
    const c32 = good.slice();
    c32[4] = 1;
    expect(() => parseElf(c32)).toThrow(expect.objectContaining({ name: 'ElfError', reason: 'wrong-class' }));
    const bad = good.slice();
    bad[1] = 0;
    expect(() => parseElf(bad)).toThrow(expect.objectContaining({ reason: 'bad-magic' }));
    expect(() => parseElf(good.subarray(0, 10))).toThrow(expect.objectContaining({ reason: 'truncated' }));
    expect(() => parseElf(good.subarray(0, 40))).toThrow(expect.objectContaining({ reason: 'truncated' }));
    const endian = good.slice();
    endian[5] = 3;
    expect(() => parseElf(endian)).toThrow(expect.objectContaining({ reason: 'bad-endianness' }));
  });

  it('rejects a truncated section header table and out-of-file section data', () => {
    const good = sample();
    expect(() => parseElf(good.subarray(0, good.length - 1))).toThrow(
      expect.objectContaining({ reason: 'truncated' }),
    );
    const dv = new DataView(good.buffer.slice(0));
    const shoff = Number(dv.getBigUint64(40, true));
    // Section 1's sh_offset far beyond the file.
    dv.setBigUint64(shoff + 64 + 24, 1_000_000n, true);
    expect(() => parseElf(new Uint8Array(dv.buffer))).toThrow(
      expect.objectContaining({ reason: 'bad-offset' }),
    );
  });

  it('rejects a bad e_shstrndx and a bad symbol table link', () => {
    const good = sample();
    const a = good.slice();
    new DataView(a.buffer).setUint16(62, 99, true);
    expect(() => parseElf(a)).toThrow(expect.objectContaining({ reason: 'bad-index' }));
    const b = good.slice();
    const dv = new DataView(b.buffer);
    const shoff = Number(dv.getBigUint64(40, true));
    dv.setUint32(shoff + 4 * 64 + 40, 1, true); // .symtab link -> program section
    expect(() => parseElf(b)).toThrow(expect.objectContaining({ reason: 'bad-index' }));
  });

  it('fuzz: truncations and byte flips only ever throw ElfError', () => {
    const good = sample();
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let parsed = 0;
    let rejected = 0;
    for (let len = 0; len <= good.length; len++) {
      try {
        parseElf(good.subarray(0, len));
        parsed++;
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
        rejected++;
      }
    }
    for (let i = 0; i < 3000; i++) {
      const m = good.slice();
      const flips = 1 + (rand() % 4);
      for (let f = 0; f < flips; f++) m[rand() % m.length] = rand() & 0xff;
      try {
        parseElf(m);
        parsed++;
      } catch (e) {
        if (!(e instanceof ElfError)) throw new Error(`non-ElfError on mutation ${i}: ${String(e)}`);
        rejected++;
      }
    }
    expect(parsed).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(good.length);
  });

  const clang = (() => {
    try {
      execFileSync('clang', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!clang)('reads a clang -target bpf object (skipped: clang not found)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'elf-'));
    const src = join(dir, 'p.c');
    writeFileSync(
      src,
      'int counter;\n__attribute__((section("xdp"), used)) int prog(void *ctx) { return counter + 1; }\nchar _license[] __attribute__((section("license"), used)) = "GPL";\n',
    );
    execFileSync('clang', ['-O2', '-target', 'bpf', '-c', src, '-o', join(dir, 'p.o')]);
    expect(existsSync(join(dir, 'p.o'))).toBe(true);
    const elf = parseElf(new Uint8Array(readFileSync(join(dir, 'p.o'))));
    expect(elf.header.machine).toBe(EM_BPF);
    const xdp = elf.sectionByName('xdp')!;
    expect(xdp.size % 8).toBe(0);
    expect(elf.sectionByName('license')!.data.subarray(0, 3)).toEqual(new Uint8Array([71, 80, 76]));
    const prog = elf.symbols.find((s) => s.name === 'prog')!;
    expect(prog).toMatchObject({ type: STT_FUNC, bind: STB_GLOBAL, shndx: xdp.index });
    const relocs = elf.relocationsFor(xdp.index);
    expect(relocs.length).toBe(1);
    expect(elf.symbols[relocs[0]!.symbolIndex]!.name).toBe('counter');
  });
});
