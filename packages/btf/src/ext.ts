import type { Btf } from './btf.js';
import { BtfError } from './btf.js';
import { BTF_MAGIC } from './header.js';
import type { StringSection } from './strings.js';

/** One func_info record. insnOff is in bytes within its ELF section, as stored in objects. */
export interface BtfExtFuncInfo {
  insnOff: number;
  typeId: number;
}

/** One line_info record; string offsets refer to the .BTF string section. */
export interface BtfExtLineInfo {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  /** line_col: line number << 10 | column. */
  lineCol: number;
  /** Resolved file name and source line (when the .BTF was given). */
  fileName?: string;
  line?: string;
}

/** bpf_core_relo_kind. */
export const BPF_CORE_RELO_KIND = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

/** One CO-RE relocation record (struct bpf_core_relo). */
export interface BtfExtCoreRelo {
  insnOff: number;
  typeId: number;
  accessStrOff: number;
  /** bpf_core_relo_kind */
  kind: number;
  /** Resolved access string, e.g. "0:1:2" (when the .BTF was given). */
  accessStr?: string;
}

/** Records of one ELF section. */
export interface BtfExtSection<T> {
  secNameOff: number;
  /** Resolved section name (when the .BTF was given). */
  secName: string;
  records: T[];
}

export interface BtfExtInfo<T> {
  /** Record size as stored (may exceed the known record size; extra bytes are kept). */
  recSize: number;
  sections: BtfExtSection<T>[];
}

/** A parsed .BTF.ext. */
export interface BtfExt {
  littleEndian: boolean;
  version: number;
  flags: number;
  /** Header length (24 without CO-RE relocations, 32 with). */
  hdrLen: number;
  funcInfo: BtfExtInfo<BtfExtFuncInfo>;
  lineInfo: BtfExtInfo<BtfExtLineInfo>;
  coreRelo: BtfExtInfo<BtfExtCoreRelo>;
  /** Bytes of records beyond the known fields, by record, kept for re-encoding. */
  extra?: WeakMap<object, Uint8Array>;
}

const FUNC_INFO_MIN = 8;
const LINE_INFO_MIN = 16;
const CORE_RELO_MIN = 16;

/**
 * Parses a .BTF.ext section. With `btf` (the object's .BTF), section names,
 * file names, source lines and access strings are resolved.
 * Throws BtfError for malformed input.
 * @see btf_ext__new, btf_ext_setup_info (tools/lib/bpf/btf.c)
 */
export function parseBtfExt(bytes: Uint8Array, btf?: Btf): BtfExt {
  if (bytes.length < 8) throw new BtfError(`.BTF.ext of ${bytes.length} bytes is too short`);
  let le: boolean;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) le = true;
  else if (bytes[0] === 0xeb && bytes[1] === 0x9f) le = false;
  else throw new BtfError('bad .BTF.ext magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint8(2);
  if (version !== 1) throw new BtfError(`unsupported .BTF.ext version ${version}`);
  const flags = dv.getUint8(3);
  const hdrLen = dv.getUint32(4, le);
  if (hdrLen < 24 || hdrLen > bytes.length) throw new BtfError(`.BTF.ext header length ${hdrLen} is invalid`);
  const strings: StringSection | undefined = btf?.strings;
  const str = (off: number, what: string): string | undefined => {
    if (!strings) return undefined;
    if (!strings.has(off))
      throw new BtfError(`.BTF.ext ${what}: string offset ${off} is outside the .BTF strings`);
    return strings.get(off);
  };
  const extra = new WeakMap<object, Uint8Array>();
  let hasExtra = false;
  function info<T extends object>(
    what: string,
    off: number,
    len: number,
    minRec: number,
    read: (p: number) => T,
  ): BtfExtInfo<T> {
    const sections: BtfExtSection<T>[] = [];
    if (len === 0) return { recSize: minRec, sections };
    const start = hdrLen + off;
    if (off % 4 !== 0) throw new BtfError(`.BTF.ext ${what} section is not aligned`);
    if (start + len > bytes.length || start + len < start)
      throw new BtfError(`.BTF.ext ${what} section is beyond the end of data`);
    if (len < 4) throw new BtfError(`.BTF.ext ${what} section is too short`);
    const recSize = dv.getUint32(start, le);
    if (recSize < minRec || recSize % 4 !== 0)
      throw new BtfError(`.BTF.ext ${what} record size ${recSize} is invalid`);
    const end = start + len;
    let p = start + 4;
    if (p === end) throw new BtfError(`.BTF.ext ${what} section has no records`);
    while (p < end) {
      if (p + 8 > end) throw new BtfError(`.BTF.ext ${what}: truncated section header`);
      const secNameOff = dv.getUint32(p, le);
      const n = dv.getUint32(p + 4, le);
      p += 8;
      const secName = str(secNameOff, `${what} section name`) ?? '';
      if (n === 0) throw new BtfError(`.BTF.ext ${what} for '${secName}' has no records`);
      if (n * recSize > end - p)
        throw new BtfError(`.BTF.ext ${what} for '${secName}': records beyond the end of data`);
      const records: T[] = new Array(n);
      for (let i = 0; i < n; i++, p += recSize) {
        const r = read(p);
        if (recSize > minRec) {
          extra.set(r, bytes.slice(p + minRec, p + recSize));
          hasExtra = true;
        }
        records[i] = r;
      }
      sections.push({ secNameOff, secName, records });
    }
    return { recSize, sections };
  }
  const funcInfo = info('func_info', dv.getUint32(8, le), dv.getUint32(12, le), FUNC_INFO_MIN, (p) => ({
    insnOff: dv.getUint32(p, le),
    typeId: dv.getUint32(p + 4, le),
  }));
  const lineInfo = info('line_info', dv.getUint32(16, le), dv.getUint32(20, le), LINE_INFO_MIN, (p) => {
    const r: BtfExtLineInfo = {
      insnOff: dv.getUint32(p, le),
      fileNameOff: dv.getUint32(p + 4, le),
      lineOff: dv.getUint32(p + 8, le),
      lineCol: dv.getUint32(p + 12, le),
    };
    if (strings) {
      r.fileName = str(r.fileNameOff, 'line_info file name');
      r.line = str(r.lineOff, 'line_info line');
    }
    return r;
  });
  let coreRelo: BtfExtInfo<BtfExtCoreRelo> = { recSize: CORE_RELO_MIN, sections: [] };
  if (hdrLen >= 32) {
    coreRelo = info('core_relo', dv.getUint32(24, le), dv.getUint32(28, le), CORE_RELO_MIN, (p) => {
      const r: BtfExtCoreRelo = {
        insnOff: dv.getUint32(p, le),
        typeId: dv.getUint32(p + 4, le),
        accessStrOff: dv.getUint32(p + 8, le),
        kind: dv.getUint32(p + 12, le),
      };
      if (strings) r.accessStr = str(r.accessStrOff, 'core_relo access string');
      return r;
    });
  }
  for (let i = 32; i < hdrLen; i++)
    if (bytes[i] !== 0) throw new BtfError('.BTF.ext header has unsupported non-zero fields');
  const ext: BtfExt = { littleEndian: le, version, flags, hdrLen, funcInfo, lineInfo, coreRelo };
  if (hasExtra) ext.extra = extra;
  return ext;
}

/** Line number of a line_info's line_col. */
export const lineNumber = (lineCol: number): number => lineCol >>> 10;
/** Column of a line_info's line_col. */
export const lineColumn = (lineCol: number): number => lineCol & 0x3ff;

/**
 * Encodes a .BTF.ext: header, func_info, line_info and CO-RE relocations,
 * laid out as clang (and libbpf's btf_ext) lay them out.
 */
export function encodeBtfExt(ext: BtfExt): Uint8Array {
  const le = ext.littleEndian;
  const hdrLen = Math.max(ext.hdrLen, ext.coreRelo.sections.length > 0 ? 32 : 24);
  const sizeOf = (inf: BtfExtInfo<object>) =>
    inf.sections.length === 0
      ? 0
      : 4 + inf.sections.reduce((a, s) => a + 8 + s.records.length * inf.recSize, 0);
  const fiLen = sizeOf(ext.funcInfo);
  const liLen = sizeOf(ext.lineInfo);
  const crLen = sizeOf(ext.coreRelo);
  const out = new Uint8Array(hdrLen + fiLen + liLen + crLen);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, BTF_MAGIC, le);
  dv.setUint8(2, ext.version);
  dv.setUint8(3, ext.flags);
  dv.setUint32(4, hdrLen, le);
  dv.setUint32(8, 0, le);
  dv.setUint32(12, fiLen, le);
  dv.setUint32(16, fiLen, le);
  dv.setUint32(20, liLen, le);
  if (hdrLen >= 32) {
    dv.setUint32(24, fiLen + liLen, le);
    dv.setUint32(28, crLen, le);
  }
  let p = hdrLen;
  const u32 = (v: number) => {
    dv.setUint32(p, v >>> 0, le);
    p += 4;
  };
  function write<T extends object>(inf: BtfExtInfo<T>, min: number, fields: (r: T) => number[]) {
    if (inf.sections.length === 0) return;
    u32(inf.recSize);
    for (const s of inf.sections) {
      u32(s.secNameOff);
      u32(s.records.length);
      for (const r of s.records) {
        const start = p;
        for (const f of fields(r)) u32(f);
        const more = ext.extra?.get(r);
        if (more) out.set(more.subarray(0, inf.recSize - min), p);
        p = start + inf.recSize;
      }
    }
  }
  write(ext.funcInfo, FUNC_INFO_MIN, (r) => [r.insnOff, r.typeId]);
  write(ext.lineInfo, LINE_INFO_MIN, (r) => [r.insnOff, r.fileNameOff, r.lineOff, r.lineCol]);
  write(ext.coreRelo, CORE_RELO_MIN, (r) => [r.insnOff, r.typeId, r.accessStrOff, r.kind]);
  return out;
}
