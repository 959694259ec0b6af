/**
 * A small, generic ELF64 reader (System V gABI): header, section headers,
 * symbol table and relocation sections. Pure: it only looks at the bytes.
 *
 * Used by libbpf-ts (BPF objects), the conformance runner (--elf) and
 * bpftool-ts (`btf dump file` finds `.BTF`). Only ELFCLASS64 is accepted;
 * both byte orders are read.
 *
 * @see https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html
 */

/** Malformed or unsupported ELF input. `reason` is a stable short tag. */
export class ElfError extends Error {
  override name = 'ElfError';
  constructor(
    readonly reason:
      | 'truncated'
      | 'bad-magic'
      | 'wrong-class'
      | 'bad-endianness'
      | 'bad-offset'
      | 'bad-entsize'
      | 'bad-index',
    message: string,
  ) {
    super(message);
  }
}

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EM_X86_64 = 62;
export const EM_BPF = 247;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_LLVM_ADDRSIG = 0x6fff4c03;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export const STV_DEFAULT = 0;
export const STV_HIDDEN = 2;

export interface ElfHeader {
  /** EI_CLASS: always ELFCLASS64 here. */
  class: number;
  /** 'little' for ELFDATA2LSB, 'big' for ELFDATA2MSB. */
  endianness: 'little' | 'big';
  /** e_machine (EM_BPF = 247, EM_X86_64 = 62, ...). */
  machine: number;
  /** e_type (ET_REL = 1 for clang -c objects). */
  type: number;
  /** EI_OSABI. */
  osabi: number;
  entry: bigint;
  flags: number;
  /** e_shstrndx after SHN_XINDEX resolution. */
  shstrndx: number;
}

export interface ElfSection {
  /** Index in the section header table. */
  index: number;
  name: string;
  type: number;
  /** sh_flags (SHF_*); values above 2^53 are not expected and are truncated. */
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** File bytes of the section (a view, not a copy); empty for SHT_NOBITS. */
  data: Uint8Array;
}

export interface ElfSymbol {
  /** Index in the symbol table (0 is the null symbol). */
  index: number;
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* (st_info & 0xf). */
  type: number;
  /** STB_* (st_info >> 4). */
  bind: number;
  /** STV_* (st_other & 3). */
  visibility: number;
  /** Section index (SHN_* for special values, SHN_XINDEX resolved). */
  shndx: number;
}

export interface ElfRelocation {
  /** r_offset: byte offset in the relocated section (relocatable objects). */
  offset: number;
  /** ELF64_R_SYM(r_info). */
  symbolIndex: number;
  /** ELF64_R_TYPE(r_info). */
  type: number;
  /** r_addend for SHT_RELA; 0n for SHT_REL. */
  addend: bigint;
}

export interface ElfRelocationSection {
  /** The SHT_REL/SHT_RELA section itself. */
  section: ElfSection;
  /** The section the relocations apply to (sh_info). */
  target: ElfSection;
  /** The symbol table they refer to (sh_link index). */
  symtabIndex: number;
  entries: ElfRelocation[];
}

export interface ElfFile {
  header: ElfHeader;
  sections: ElfSection[];
  /** The SHT_SYMTAB symbols (empty when the file has none). */
  symbols: ElfSymbol[];
  /** Relocation sections keyed by the index of the section they relocate. */
  relocations: Map<number, ElfRelocationSection[]>;
  /** First section with that name, if any. */
  sectionByName(name: string): ElfSection | undefined;
  /** All relocations that apply to the section at `index` (REL and RELA sections merged). */
  relocationsFor(index: number): ElfRelocation[];
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;

function toNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError('bad-offset', `${what} ${v} is too large`);
  return Number(v);
}

/** Reads a NUL-terminated string at `off` in a string table section. */
export function elfString(strtab: Uint8Array, off: number, what = 'string'): string {
  if (off >= strtab.length && !(off === 0 && strtab.length === 0)) {
    throw new ElfError('bad-offset', `${what} offset ${off} outside string table of ${strtab.length} bytes`);
  }
  let end = off;
  while (end < strtab.length && strtab[end] !== 0) end++;
  if (end >= strtab.length && strtab.length > 0) {
    throw new ElfError('truncated', `${what} at offset ${off} is not NUL-terminated`);
  }
  return new TextDecoder().decode(strtab.subarray(off, end));
}

/** Parses an ELF64 file. Throws ElfError for anything malformed. */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 16)
    throw new ElfError('truncated', `file of ${bytes.length} bytes is too short for e_ident`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('bad-magic', 'not an ELF file (bad magic)');
  }
  const cls = bytes[4]!;
  if (cls !== ELFCLASS64) {
    throw new ElfError('wrong-class', `unsupported ELF class ${cls} (only ELFCLASS64 is supported)`);
  }
  const data = bytes[5]!;
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    throw new ElfError('bad-endianness', `unknown ELF data encoding ${data}`);
  }
  const le = data === ELFDATA2LSB;
  if (bytes.length < EHDR_SIZE) {
    throw new ElfError('truncated', `file of ${bytes.length} bytes is too short for the ELF64 header`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const u64 = (o: number) => dv.getBigUint64(o, le);

  const type = u16(16);
  const machine = u16(18);
  const entry = u64(24);
  const shoff = toNumber(u64(40), 'e_shoff');
  const flags = u32(48);
  const shentsize = u16(58);
  let shnum = u16(60);
  let shstrndx = u16(62);

  const sections: ElfSection[] = [];
  if (shoff !== 0) {
    if (shentsize !== SHDR_SIZE) {
      throw new ElfError('bad-entsize', `e_shentsize ${shentsize} is not ${SHDR_SIZE}`);
    }
    if (shoff + SHDR_SIZE > bytes.length) {
      throw new ElfError(
        'truncated',
        `section header table at ${shoff} is beyond the end of the file (${bytes.length})`,
      );
    }
    // Extended numbering: the real counts live in section header 0.
    if (shnum === 0) shnum = toNumber(u64(shoff + 32), 'section count');
    if (shstrndx === SHN_XINDEX) shstrndx = u32(shoff + 40);
    if (shoff + shnum * SHDR_SIZE > bytes.length) {
      throw new ElfError(
        'truncated',
        `section header table (${shnum} entries at ${shoff}) is beyond the end of the file (${bytes.length})`,
      );
    }
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * SHDR_SIZE;
      const sType = u32(o + 4);
      const offset = toNumber(u64(o + 24), `section ${i} sh_offset`);
      const size = toNumber(u64(o + 32), `section ${i} sh_size`);
      const hasData = sType !== SHT_NOBITS && sType !== SHT_NULL;
      if (hasData && offset + size > bytes.length) {
        throw new ElfError(
          'bad-offset',
          `section ${i} [${offset}, ${offset + size}) is beyond the end of the file (${bytes.length})`,
        );
      }
      sections.push({
        index: i,
        name: '',
        type: sType,
        flags: Number(u64(o + 8) & 0x1fffffffffffffn),
        addr: u64(o + 16),
        offset,
        size,
        link: u32(o + 40),
        info: u32(o + 44),
        addralign: toNumber(u64(o + 48), `section ${i} sh_addralign`),
        entsize: toNumber(u64(o + 56), `section ${i} sh_entsize`),
        data: hasData ? bytes.subarray(offset, offset + size) : new Uint8Array(0),
      });
    }
    if (shnum > 0) {
      const strtab = sections[shstrndx];
      if (strtab === undefined) {
        throw new ElfError('bad-index', `e_shstrndx ${shstrndx} is out of range (${shnum} sections)`);
      }
      for (const s of sections) {
        const nameOff = u32(shoff + s.index * SHDR_SIZE);
        s.name = elfString(strtab.data, nameOff, `section ${s.index} name`);
      }
    }
  }

  const symbols = readSymbols(sections, dv, le);
  const relocations = readRelocations(sections, dv, le);

  const byName = new Map<string, ElfSection>();
  for (const s of sections) if (!byName.has(s.name)) byName.set(s.name, s);

  return {
    header: {
      class: cls,
      endianness: le ? 'little' : 'big',
      machine,
      type,
      osabi: bytes[7]!,
      entry,
      flags,
      shstrndx,
    },
    sections,
    symbols,
    relocations,
    sectionByName: (name) => byName.get(name),
    relocationsFor: (index) => (relocations.get(index) ?? []).flatMap((r) => r.entries),
  };
}

function sectionView(dv: DataView, s: ElfSection): DataView {
  return new DataView(dv.buffer, dv.byteOffset + s.offset, s.size);
}

function readSymbols(sections: ElfSection[], dv: DataView, le: boolean): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab === undefined) return [];
  if (symtab.entsize !== SYM_SIZE) {
    throw new ElfError('bad-entsize', `symbol table entry size ${symtab.entsize} is not ${SYM_SIZE}`);
  }
  if (symtab.size % SYM_SIZE !== 0) {
    throw new ElfError('truncated', `symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`);
  }
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    throw new ElfError('bad-index', `symbol table sh_link ${symtab.link} is not a string table`);
  }
  // Optional SHT_SYMTAB_SHNDX (18) for st_shndx == SHN_XINDEX.
  const xindex = sections.find((s) => s.type === 18 && s.link === symtab.index);
  const v = sectionView(dv, symtab);
  const out: ElfSymbol[] = [];
  const count = symtab.size / SYM_SIZE;
  for (let i = 0; i < count; i++) {
    const o = i * SYM_SIZE;
    const info = v.getUint8(o + 4);
    let shndx = v.getUint16(o + 6, le);
    if (shndx === SHN_XINDEX && xindex !== undefined && (i + 1) * 4 <= xindex.size) {
      shndx = sectionView(dv, xindex).getUint32(i * 4, le);
    }
    out.push({
      index: i,
      name: elfString(strtab.data, v.getUint32(o, le), `symbol ${i} name`),
      value: v.getBigUint64(o + 8, le),
      size: v.getBigUint64(o + 16, le),
      type: info & 0xf,
      bind: info >> 4,
      visibility: v.getUint8(o + 5) & 3,
      shndx,
    });
  }
  return out;
}

function readRelocations(
  sections: ElfSection[],
  dv: DataView,
  le: boolean,
): Map<number, ElfRelocationSection[]> {
  const out = new Map<number, ElfRelocationSection[]>();
  for (const s of sections) {
    if (s.type !== SHT_REL && s.type !== SHT_RELA) continue;
    const rela = s.type === SHT_RELA;
    const entSize = rela ? RELA_SIZE : REL_SIZE;
    if (s.entsize !== 0 && s.entsize !== entSize) {
      throw new ElfError(
        'bad-entsize',
        `relocation section '${s.name}' entry size ${s.entsize} is not ${entSize}`,
      );
    }
    if (s.size % entSize !== 0) {
      throw new ElfError(
        'truncated',
        `relocation section '${s.name}' size ${s.size} is not a multiple of ${entSize}`,
      );
    }
    const target = sections[s.info];
    if (target === undefined) {
      throw new ElfError('bad-index', `relocation section '${s.name}' applies to missing section ${s.info}`);
    }
    const v = sectionView(dv, s);
    const entries: ElfRelocation[] = [];
    for (let o = 0; o < s.size; o += entSize) {
      const info = v.getBigUint64(o + 8, le);
      entries.push({
        offset: toNumber(v.getBigUint64(o, le), `relocation offset in '${s.name}'`),
        symbolIndex: Number(info >> 32n),
        type: Number(info & 0xffffffffn),
        addend: rela ? v.getBigInt64(o + 16, le) : 0n,
      });
    }
    const list = out.get(target.index) ?? [];
    list.push({ section: s, target, symtabIndex: s.link, entries });
    out.set(target.index, list);
  }
  return out;
}
