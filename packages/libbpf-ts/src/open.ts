/**
 * The pure "open" phase: an ELF object turned into programs, maps, BTF and
 * relocation records, without a single system call.
 *
 * @see bpf_object_open, bpf_object__elf_collect, bpf_object__add_programs,
 *      bpf_object__collect_relos, bpf_program__record_reloc (tools/lib/bpf/libbpf.c)
 */
import {
  decodeInsns,
  ElfError,
  type ElfFile,
  EM_BPF,
  type Insn,
  parseElf,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHN_UNDEF,
  SHT_LLVM_ADDRSIG,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_OBJECT,
  STT_SECTION,
  STV_HIDDEN,
} from '@tsbpf/bpf-vm';
import {
  type Btf,
  type BtfExt,
  type BtfExtCoreRelo,
  type BtfExtFuncInfo,
  type BtfExtLineInfo,
  parseBtf,
  parseBtfExt,
} from '@tsbpf/btf';
import {
  BPF_CALL,
  BPF_F_SLEEPABLE,
  BPF_F_XDP_HAS_FRAGS,
  BPF_INSN_SIZE,
  BPF_JMP,
  BPF_PSEUDO_CALL,
} from '@tsbpf/uapi';
import { fixupDatasecs } from './btfFixup.js';
import { LibbpfError } from './errors.js';
import {
  dataSectionKind,
  internalMapDef,
  LEGACY_MAP_DEF_SIZE,
  type MapDef,
  MapDefError,
  parseBtfMapDef,
  parseLegacyMapDef,
} from './mapDefs.js';
import { prDebug, prWarn } from './print.js';
import type { RelocDesc } from './relocs.js';
import { findSecDef, SEC_SLEEPABLE, SEC_XDP_FRAGS, type SecDef } from './secDefs.js';

const LDDW = 0x18;
const R_BPF_NONE = 0;

export interface ProgramDef {
  name: string;
  /** SEC() name, without libbpf's leading '?' (which only turns autoload off). */
  secName: string;
  /** The ELF section's own name (what .BTF.ext records refer to). */
  elfSecName: string;
  secIdx: number;
  /** Initial autoload: false for SEC("?..."). */
  autoload: boolean;
  /** First instruction of the program within its section. */
  secInsnOff: number;
  /** The program's own instructions (a private copy). */
  insns: Insn[];
  secDef: SecDef | undefined;
  progType: number;
  expectedAttachType: number;
  progFlags: number;
  /** True for functions in .text: appended to the main programs that call them. */
  isSubprog: boolean;
  /** STV_HIDDEN global function: its BTF FUNC is made static at load (subprograms). */
  markBtfStatic: boolean;
  relos: RelocDesc[];
  /** .BTF.ext records in the program's frame (insn_off in instructions). */
  funcInfo: BtfExtFuncInfo[];
  lineInfo: BtfExtLineInfo[];
  coreRelos: (BtfExtCoreRelo & { insnIdx: number })[];
  /** func_info/line_info were present for the program's section. */
  hasFuncInfo: boolean;
  hasLineInfo: boolean;
}

export interface ObjectDef {
  /** Object name: the file's base name up to the first '.', as libbpf. */
  name: string;
  path: string;
  elf: ElfFile;
  license: string;
  kernVersion: number;
  programs: ProgramDef[];
  maps: MapDef[];
  /** The object's BTF (DATASECs fixed up at open); encoded for BPF_BTF_LOAD at load. */
  btf: Btf | undefined;
  /** .BTF.ext; section names and access strings resolved through `btf` ('' when unresolvable). */
  btfExt: BtfExt | undefined;
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  textShndx: number;
  /** How many CO-RE relocation records the object has. */
  coreReloCount: number;
}

/** libbpf's object name: basename without anything from the first '.'. */
export function objectNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/** @see ignore_elf_section */
function ignoreElfSection(type: number, size: number, name: string): boolean {
  if (type === SHT_STRTAB) return true;
  if (type === SHT_LLVM_ADDRSIG) return true;
  if (type === SHT_PROGBITS && size === 0 && name === '.text') return true;
  if (name.startsWith('.debug_')) return true;
  if (name.startsWith('.rel')) {
    const rest = name.slice(4);
    if (rest.startsWith('.debug_')) return true;
    if (rest === '.BTF' || rest === '.BTF.ext') return true;
  }
  return false;
}

const reloc = (msg: string): LibbpfError => new LibbpfError('EINVAL', msg, -4005);

export interface OpenOptions {
  /** Overrides the object name (default: from the path). @see bpf_object_open_opts.object_name */
  objectName?: string;
  /**
   * Accept `struct bpf_map_def` entries in a `maps` section, as libbpf before
   * v1.0 did. Off by default: libbpf v1.0+ refuses such objects.
   */
  legacyMaps?: boolean;
}

/**
 * Parses an object file. Throws LibbpfError (errno + libbpf's message,
 * already printed through the print callback) on malformed input.
 */
export function openObjectDef(bytes: Uint8Array, path: string, opts: OpenOptions = {}): ObjectDef {
  let elf: ElfFile;
  try {
    elf = parseElf(bytes);
  } catch (e) {
    const msg = e instanceof ElfError ? e.message : String(e);
    prWarn(`elf: failed to open ${path}: ${msg}`);
    throw new LibbpfError('EINVAL', `elf: failed to open ${path}: ${msg}`, -4001);
  }
  if (elf.header.endianness !== 'little') {
    prWarn(`elf: endianness mismatch in ${path}.`);
    throw new LibbpfError('EINVAL', `elf: endianness mismatch in ${path}.`, -4003);
  }
  if (elf.header.machine !== EM_BPF && elf.header.machine !== 0) {
    prWarn(`elf: ${path} is not a valid eBPF object file`);
    throw new LibbpfError('EINVAL', `elf: ${path} is not a valid eBPF object file`, -4001);
  }
  const obj: ObjectDef = {
    name: opts.objectName ?? objectNameFromPath(path),
    path,
    elf,
    license: '',
    kernVersion: 0,
    programs: [],
    maps: [],
    btf: undefined,
    btfExt: undefined,
    funcInfoRecSize: 0,
    lineInfoRecSize: 0,
    textShndx: 0,
    coreReloCount: 0,
  };
  const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab === undefined) {
    prWarn(`elf: couldn't find symbol table in ${path}, stripped object file?`);
    throw new LibbpfError('ENOENT', `elf: couldn't find symbol table in ${path}`, -4001);
  }

  let btfSec: Uint8Array | undefined;
  let btfExtSec: Uint8Array | undefined;
  const dataSecs: { idx: number; name: string; kind: 'data' | 'rodata' | 'bss' }[] = [];
  let mapsShndx = -1;
  let legacyMapsShndx = -1;
  const relSecs: number[] = [];

  for (const sec of elf.sections) {
    if (sec.index === 0) continue;
    if (ignoreElfSection(sec.type, sec.size, sec.name)) continue;
    prDebug(
      `elf: section(${sec.index}) ${sec.name}, size ${sec.size}, link ${sec.link}, flags ${sec.flags.toString(16)}, type=${sec.type}`,
    );
    if (sec.name === 'license') {
      obj.license = new TextDecoder().decode(sec.data).replace(/\0.*$/s, '');
      prDebug(`license of ${path} is ${obj.license}`);
    } else if (sec.name === 'version') {
      if (sec.size !== 4) {
        prWarn(`invalid kver section in ${path}`);
        throw new LibbpfError('EINVAL', `invalid kver section in ${path}`, -4002);
      }
      obj.kernVersion = new DataView(sec.data.buffer, sec.data.byteOffset, 4).getUint32(0, true);
      prDebug(`kernel version of ${path} is ${obj.kernVersion.toString(16)}`);
    } else if (sec.name === 'maps') {
      if (!opts.legacyMaps) {
        prWarn(`elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+`);
        throw new LibbpfError(
          'EOPNOTSUPP',
          `elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+`,
        );
      }
      legacyMapsShndx = sec.index;
    } else if (sec.name === '.maps') {
      mapsShndx = sec.index;
    } else if (sec.name === '.BTF') {
      btfSec = sec.data;
    } else if (sec.name === '.BTF.ext') {
      btfExtSec = sec.data;
    } else if (sec.type === SHT_SYMTAB) {
      // already located
    } else if (sec.type === SHT_PROGBITS && sec.size > 0) {
      if (sec.flags & SHF_EXECINSTR) {
        if (sec.name === '.text') obj.textShndx = sec.index;
        addPrograms(obj, sec.index, sec.name, sec.data);
      } else {
        const kind = dataSectionKind(sec.name, false, (sec.flags & SHF_WRITE) !== 0);
        if (kind === 'data' || kind === 'rodata') dataSecs.push({ idx: sec.index, name: sec.name, kind });
        else prDebug(`elf: skipping unrecognized data section(${sec.index}) ${sec.name}`);
      }
    } else if (sec.type === SHT_REL) {
      const target = elf.sections[sec.info];
      if (target && (target.flags & SHF_EXECINSTR) !== 0) relSecs.push(sec.index);
      else if (target)
        prDebug(
          `elf: skipping relo section(${sec.index}) ${sec.name} for section(${sec.info}) ${target.name}`,
        );
    } else if (sec.type === SHT_NOBITS && (sec.name === '.bss' || sec.name.startsWith('.bss.'))) {
      dataSecs.push({ idx: sec.index, name: sec.name, kind: 'bss' });
    } else {
      prDebug(`elf: skipping section(${sec.index}) ${sec.name} (size ${sec.size})`);
    }
  }

  // Programs sorted by section then offset, as libbpf sorts obj->programs.
  obj.programs.sort((a, b) => a.secIdx - b.secIdx || a.secInsnOff - b.secInsnOff);

  initBtf(obj, btfSec, btfExtSec, mapsShndx >= 0);

  const nsyms = symtab.entsize ? symtab.size / symtab.entsize : elf.symbols.length;
  prDebug(`looking for externs among ${nsyms} symbols...`);
  const externs = elf.symbols.filter(
    (s) =>
      s.index > 0 && s.shndx === SHN_UNDEF && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.name !== '',
  );
  if (externs.length > 0) {
    const names = externs.map((s) => s.name).join(', ');
    prWarn(`extern symbols are not supported by this library: ${names}`);
    throw new LibbpfError('EOPNOTSUPP', `failed to resolve externs: ${names}`);
  }
  prDebug('collected 0 externs total');

  if (obj.btf) fixupObjectBtf(obj);

  initMaps(obj, mapsShndx, legacyMapsShndx, dataSecs);
  for (const p of obj.programs) {
    if (!p.isSubprog && !p.secDef) prDebug(`prog '${p.name}': unrecognized ELF section name '${p.secName}'`);
  }
  initExtInfo(obj);
  for (const idx of relSecs) collectRelos(obj, idx);
  return obj;
}

/** A string of the object's .BTF by offset, or undefined outside it. @see btf__name_by_offset */
export function btfNameByOffset(btf: Btf, off: number): string | undefined {
  return btf.strings?.has(off) ? btf.strings.get(off) : undefined;
}

/**
 * Parses .BTF and .BTF.ext. A broken .BTF is dropped with a warning unless
 * the object needs BTF (BTF-defined maps); a broken .BTF.ext is dropped.
 * @see bpf_object__init_btf, libbpf_needs_btf
 */
function initBtf(
  obj: ObjectDef,
  btfSec: Uint8Array | undefined,
  extSec: Uint8Array | undefined,
  needsBtf: boolean,
): void {
  let failure: unknown;
  if (btfSec !== undefined) {
    try {
      obj.btf = parseBtf(btfSec);
    } catch (e) {
      failure = e;
      prWarn('Error loading ELF section .BTF: -22.');
    }
  }
  if (obj.btf && extSec !== undefined) {
    try {
      const ext = parseBtfExt(extSec);
      const btf = obj.btf;
      for (const info of [ext.funcInfo, ext.lineInfo, ext.coreRelo])
        for (const sec of info.sections) sec.secName = btfNameByOffset(btf, sec.secNameOff) ?? '';
      for (const sec of ext.coreRelo.sections)
        for (const r of sec.records) r.accessStr = btfNameByOffset(btf, r.accessStrOff) ?? '';
      obj.btfExt = ext;
      obj.funcInfoRecSize = ext.funcInfo.recSize;
      obj.lineInfoRecSize = ext.lineInfo.recSize;
    } catch (e) {
      failure = e;
      prWarn('Error loading ELF section .BTF.ext: -22. Ignored and continue.');
    }
  } else if (extSec !== undefined) {
    prDebug('Ignore ELF section .BTF.ext because its depending ELF section .BTF is not found.');
  }
  if ((failure !== undefined || btfSec === undefined) && needsBtf) {
    prWarn('BTF is required, but is missing or corrupted.');
    const why = failure instanceof Error ? failure.message : 'no .BTF section';
    throw new LibbpfError('EINVAL', `BTF is required, but is missing or corrupted: ${why}`, undefined, {
      cause: failure,
    });
  }
}

/** Fills in DATASEC sizes and VAR offsets from the ELF. @see bpf_object_fixup_btf */
function fixupObjectBtf(obj: ObjectDef): void {
  const { elf } = obj;
  fixupDatasecs(obj.btf!, {
    sectionSize: (name) => elf.sectionByName(name)?.size,
    varSymbol: (name) => {
      const sym = elf.symbols.find(
        (s) => s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.name === name,
      );
      return sym
        ? { offset: Number(sym.value), hidden: sym.visibility === STV_HIDDEN || sym.visibility === 1 }
        : undefined;
    },
  });
}

/** @see bpf_object__add_programs */
function addPrograms(obj: ObjectDef, secIdx: number, secName: string, data: Uint8Array): void {
  const insns = decodeInsns(data);
  const syms = obj.elf.symbols.filter((s) => s.shndx === secIdx && s.type === STT_FUNC);
  for (const sym of syms) {
    const off = Number(sym.value);
    const size = Number(sym.size);
    if (off % BPF_INSN_SIZE || size % BPF_INSN_SIZE || off + size > data.length) {
      prWarn(`sec '${secName}': corrupted program '${sym.name}', offset ${off}, size ${size}`);
      throw new LibbpfError('EINVAL', `sec '${secName}': corrupted program '${sym.name}'`, -4001);
    }
    if (secIdx !== obj.textShndx && secName !== '.text' && sym.bind === STB_LOCAL) {
      prWarn(`sec '${secName}': program '${sym.name}' is static and not supported`);
      throw new LibbpfError(
        'ENOTSUPP',
        `sec '${secName}': program '${sym.name}' is static and not supported`,
      );
    }
    prDebug(
      `sec '${secName}': found program '${sym.name}' at insn offset ${off / BPF_INSN_SIZE} (${off} bytes), code size ${size / BPF_INSN_SIZE} insns (${size} bytes)`,
    );
    const isSubprog = secName === '.text';
    // SEC("?name") is SEC("name") with autoload off.
    const optional = secName.startsWith('?');
    const progSecName = optional ? secName.slice(1) : secName;
    const secDef = isSubprog ? undefined : findSecDef(progSecName);
    let progFlags = 0;
    if (secDef && secDef.flags & SEC_SLEEPABLE) progFlags |= BPF_F_SLEEPABLE;
    if (secDef && secDef.flags & SEC_XDP_FRAGS) progFlags |= BPF_F_XDP_HAS_FRAGS;
    obj.programs.push({
      name: sym.name,
      secName: progSecName,
      elfSecName: secName,
      secIdx,
      autoload: !optional,
      secInsnOff: off / BPF_INSN_SIZE,
      insns: insns.slice(off / BPF_INSN_SIZE, (off + size) / BPF_INSN_SIZE).map((i) => ({ ...i })),
      secDef,
      progType: secDef?.progType ?? 0,
      expectedAttachType: secDef?.expectedAttachType ?? 0,
      progFlags,
      isSubprog,
      markBtfStatic: sym.bind !== STB_LOCAL && (sym.visibility === STV_HIDDEN || sym.visibility === 1),
      relos: [],
      funcInfo: [],
      lineInfo: [],
      coreRelos: [],
      hasFuncInfo: false,
      hasLineInfo: false,
    });
  }
}

function initMaps(
  obj: ObjectDef,
  mapsShndx: number,
  legacyShndx: number,
  dataSecs: { idx: number; name: string; kind: 'data' | 'rodata' | 'bss' }[],
): void {
  const { elf } = obj;
  if (legacyShndx >= 0) {
    const sec = elf.sections[legacyShndx]!;
    const syms = elf.symbols.filter(
      (s) => s.shndx === legacyShndx && s.name !== '' && s.type !== STT_SECTION,
    );
    for (const sym of syms.sort((a, b) => Number(a.value - b.value))) {
      const off = Number(sym.value);
      if (off + LEGACY_MAP_DEF_SIZE > sec.data.length) {
        prWarn(`failed to get map #${obj.maps.length} name sym string for obj ${obj.path}`);
        throw new LibbpfError('EINVAL', `corrupted maps section in ${obj.path}`, -4001);
      }
      const def = parseLegacyMapDef(sym.name, sec.data, off);
      def.secIdx = legacyShndx;
      prDebug(`map '${def.name}' (legacy): at sec_idx ${legacyShndx}, offset ${off}.`);
      obj.maps.push(def);
    }
  }
  if (mapsShndx >= 0) {
    const btf = obj.btf;
    const datasecId = btf?.findByName('.maps', 'DATASEC');
    if (btf === undefined || datasecId === undefined) {
      prWarn(`DATASEC '.maps' not found.`);
      throw new LibbpfError('EINVAL', `DATASEC '.maps' not found in ${obj.path}`);
    }
    const ds = btf.type(datasecId);
    if (ds.kind !== 'DATASEC') throw new LibbpfError('EINVAL', 'bad .maps DATASEC');
    for (const vsi of ds.vars) {
      const v = btf.type(vsi.type);
      if (v.kind !== 'VAR') {
        prWarn(`map #${obj.maps.length}: unexpected var kind ${v.kind.toLowerCase()}.`);
        throw new LibbpfError('EINVAL', 'unexpected var kind in .maps');
      }
      let def: MapDef;
      try {
        prDebug(`map '${v.name}': at sec_idx ${mapsShndx}, offset ${vsi.offset}.`);
        def = parseBtfMapDef(btf, v.name, v.type, false, prDebug);
      } catch (e) {
        if (e instanceof MapDefError) {
          prWarn(e.message);
          throw new LibbpfError('EINVAL', e.message);
        }
        throw e;
      }
      def.secIdx = mapsShndx;
      def.secOffset = vsi.offset;
      obj.maps.push(def);
    }
  }
  for (const ds of dataSecs) {
    const sec = elf.sections[ds.idx]!;
    const def = internalMapDef(
      obj.name,
      ds.kind,
      ds.name,
      ds.idx,
      sec.size,
      ds.kind === 'bss' ? undefined : sec.data,
      obj.btf,
    );
    prDebug(
      `map '${def.name}' (global data): at sec_idx ${ds.idx}, offset 0, flags ${def.mapFlags.toString(16)}.`,
    );
    prDebug(`map ${obj.maps.length} is "${def.name}"`);
    obj.maps.push(def);
  }
}

/** Distributes .BTF.ext records to programs, converting byte offsets to the program frame. */
function initExtInfo(obj: ObjectDef): void {
  const ext = obj.btfExt;
  if (!ext) return;
  const progIn = (secName: string, insnIdx: number) =>
    obj.programs.find(
      (p) => p.elfSecName === secName && insnIdx >= p.secInsnOff && insnIdx < p.secInsnOff + p.insns.length,
    );
  for (const sec of ext.funcInfo.sections) {
    for (const p of obj.programs) if (p.elfSecName === sec.secName) p.hasFuncInfo = true;
    for (const r of sec.records) {
      const p = progIn(sec.secName, r.insnOff / BPF_INSN_SIZE);
      if (p) p.funcInfo.push({ insnOff: r.insnOff / BPF_INSN_SIZE - p.secInsnOff, typeId: r.typeId });
    }
  }
  for (const sec of ext.lineInfo.sections) {
    for (const p of obj.programs) if (p.elfSecName === sec.secName) p.hasLineInfo = true;
    for (const r of sec.records) {
      const p = progIn(sec.secName, r.insnOff / BPF_INSN_SIZE);
      if (p) p.lineInfo.push({ ...r, insnOff: r.insnOff / BPF_INSN_SIZE - p.secInsnOff });
    }
  }
  for (const sec of ext.coreRelo.sections) {
    for (const r of sec.records) {
      obj.coreReloCount++;
      if (r.insnOff % BPF_INSN_SIZE)
        throw new LibbpfError('EINVAL', `CO-RE relocation at unaligned offset ${r.insnOff}`);
      const p = progIn(sec.secName, r.insnOff / BPF_INSN_SIZE);
      if (p) p.coreRelos.push({ ...r, insnIdx: r.insnOff / BPF_INSN_SIZE - p.secInsnOff });
    }
  }
}

/** @see bpf_object__collect_prog_relos, bpf_program__record_reloc */
function collectRelos(obj: ObjectDef, relIdx: number): void {
  const { elf } = obj;
  const relSec = elf.sections[relIdx]!;
  const target = elf.sections[relSec.info]!;
  prDebug(`sec '${relSec.name}': collecting relocation for section(${target.index}) '${target.name}'`);
  const entries = elf.relocations.get(target.index)?.find((r) => r.section.index === relIdx)?.entries ?? [];
  entries.forEach((rel, i) => {
    if (rel.type === R_BPF_NONE) return;
    const sym = elf.symbols[rel.symbolIndex];
    if (sym === undefined) {
      prWarn(`sec '${relSec.name}': symbol #${rel.symbolIndex} not found for relo #${i}`);
      throw reloc(`sec '${relSec.name}': symbol #${rel.symbolIndex} not found for relo #${i}`);
    }
    if (rel.offset % BPF_INSN_SIZE || rel.offset >= target.size) {
      prWarn(`sec '${relSec.name}': invalid offset 0x${rel.offset.toString(16)} for relo #${i}`);
      throw reloc(`sec '${relSec.name}': invalid offset for relo #${i}`);
    }
    const secInsnIdx = rel.offset / BPF_INSN_SIZE;
    const symName =
      sym.type === STT_SECTION && sym.name === '' ? (elf.sections[sym.shndx]?.name ?? '') : sym.name;
    prDebug(`sec '${relSec.name}': relo #${i}: insn #${secInsnIdx} against '${symName}'`);
    const prog = obj.programs.find(
      (p) =>
        p.secIdx === target.index && secInsnIdx >= p.secInsnOff && secInsnIdx < p.secInsnOff + p.insns.length,
    );
    if (!prog) {
      prDebug(
        `sec '${relSec.name}': relo #${i}: couldn't find program in section '${target.name}' for insn #${secInsnIdx}, probably overridden weak function, skipping...`,
      );
      return;
    }
    recordReloc(obj, prog, secInsnIdx - prog.secInsnOff, symName, sym);
  });
}

function recordReloc(
  obj: ObjectDef,
  prog: ProgramDef,
  insnIdx: number,
  symName: string,
  sym: { value: bigint; shndx: number; type: number; name: string },
): void {
  const insn = prog.insns[insnIdx]!;
  const symOff = Number(sym.value);
  const isCall = insn.code === (BPF_JMP | BPF_CALL);
  if (isCall) {
    if (insn.src !== BPF_PSEUDO_CALL) {
      prWarn(`prog '${prog.name}': incorrect bpf_call opcode`);
      throw reloc(`prog '${prog.name}': incorrect bpf_call opcode`);
    }
    if (!sym.shndx || sym.shndx !== obj.textShndx) {
      const secName = obj.elf.sections[sym.shndx]?.name ?? '';
      prWarn(`prog '${prog.name}': bad call relo against '${symName}' in section '${secName}'`);
      throw reloc(`prog '${prog.name}': bad call relo against '${symName}' in section '${secName}'`);
    }
    if (symOff % BPF_INSN_SIZE) {
      prWarn(`prog '${prog.name}': bad call relo against '${symName}' at offset ${symOff}`);
      throw reloc(`prog '${prog.name}': bad call relo against '${symName}'`);
    }
    prog.relos.push({ type: 'call', insnIdx, symOff });
    return;
  }
  if (insn.code !== LDDW) {
    prWarn(
      `prog '${prog.name}': invalid relo against '${symName}' for insns[${insnIdx}].code 0x${insn.code.toString(16)}`,
    );
    throw reloc(`prog '${prog.name}': invalid relo against '${symName}'`);
  }
  // Address of a subprogram in .text (callbacks).
  if (
    sym.shndx === obj.textShndx &&
    obj.textShndx !== 0 &&
    (sym.type === STT_FUNC || sym.type === STT_SECTION)
  ) {
    if (symOff % BPF_INSN_SIZE || insn.imm % BPF_INSN_SIZE) {
      prWarn(
        `prog '${prog.name}': bad subprog addr relo against '${symName}' at offset ${symOff}+${insn.imm}`,
      );
      throw reloc(`prog '${prog.name}': bad subprog addr relo against '${symName}'`);
    }
    prog.relos.push({ type: 'subprogAddr', insnIdx, symOff });
    return;
  }
  const mapIdx = obj.maps.findIndex((m) => {
    if (m.secIdx !== sym.shndx) return false;
    return m.kind === 'user' ? m.secOffset === symOff : true;
  });
  const map = obj.maps[mapIdx];
  if (map === undefined) {
    const secName = obj.elf.sections[sym.shndx]?.name ?? '';
    prWarn(`prog '${prog.name}': bad map relo against '${symName}' in section '${secName}'`);
    throw reloc(`prog '${prog.name}': bad map relo against '${symName}' in section '${secName}'`);
  }
  if (map.kind === 'user') {
    prDebug(
      `prog '${prog.name}': found map ${mapIdx} (${map.name}, sec ${map.secIdx}, off ${map.secOffset}) for insn #${insnIdx}`,
    );
    prog.relos.push({ type: 'ld64', insnIdx, mapIdx });
  } else {
    prDebug(
      `prog '${prog.name}': found data map ${mapIdx} (${map.name}, sec ${map.secIdx}, off ${symOff}) for insn ${insnIdx}`,
    );
    prog.relos.push({ type: 'data', insnIdx, mapIdx, symOff });
  }
}
