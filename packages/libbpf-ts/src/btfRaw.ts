/**
 * Raw views of an object's .BTF and .BTF.ext bytes: the parts libbpf works
 * on by offset (string offsets in .BTF.ext records, DATASEC fix-ups in
 * place). The type model itself comes from @tsbpf/btf.
 *
 * @see struct btf_header, struct btf_ext_header (include/uapi/linux/btf.h, tools/lib/bpf/libbpf_internal.h)
 */

export const BTF_MAGIC = 0xeb9f;

export class BtfRawError extends Error {
  override name = 'BtfRawError';
}

export interface BtfRawHeader {
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

export function readBtfHeader(btf: Uint8Array): BtfRawHeader {
  if (btf.length < 24) throw new BtfRawError(`BTF of ${btf.length} bytes is too short`);
  const dv = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (dv.getUint16(0, true) !== BTF_MAGIC) throw new BtfRawError('bad BTF magic');
  const h = {
    hdrLen: dv.getUint32(4, true),
    typeOff: dv.getUint32(8, true),
    typeLen: dv.getUint32(12, true),
    strOff: dv.getUint32(16, true),
    strLen: dv.getUint32(20, true),
  };
  if (h.hdrLen + h.typeOff + h.typeLen > btf.length || h.hdrLen + h.strOff + h.strLen > btf.length) {
    throw new BtfRawError('BTF sections beyond the end of data');
  }
  return h;
}

/** A string of the .BTF string section, by offset. */
export function btfString(btf: Uint8Array, off: number, hdr: BtfRawHeader = readBtfHeader(btf)): string {
  if (off >= hdr.strLen)
    throw new BtfRawError(`string offset ${off} outside BTF string section of ${hdr.strLen}`);
  const base = hdr.hdrLen + hdr.strOff;
  let end = base + off;
  const lim = base + hdr.strLen;
  while (end < lim && btf[end] !== 0) end++;
  return new TextDecoder().decode(btf.subarray(base + off, end));
}

/** One .BTF.ext func_info record (insn_off in bytes within its section, as stored). */
export interface FuncInfoRec {
  insnOff: number;
  typeId: number;
}

/** One .BTF.ext line_info record; string offsets refer to the object's .BTF. */
export interface LineInfoRec {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  /** line_col: line number << 10 | column. */
  lineCol: number;
}

/** One CO-RE relocation record. @see struct bpf_core_relo */
export interface CoreReloRec {
  insnOff: number;
  typeId: number;
  accessStrOff: number;
  kind: number;
}

export interface BtfExtSection<T> {
  secName: string;
  records: T[];
}

export interface BtfExtRaw {
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  funcInfo: BtfExtSection<FuncInfoRec>[];
  lineInfo: BtfExtSection<LineInfoRec>[];
  coreRelos: BtfExtSection<CoreReloRec>[];
}

/**
 * Parses .BTF.ext (func_info, line_info, CO-RE relocations), resolving the
 * section names through the object's .BTF strings.
 * @see btf_ext__new, btf_ext_setup_info
 */
export function parseBtfExtRaw(ext: Uint8Array, btf: Uint8Array): BtfExtRaw {
  if (ext.length < 24) throw new BtfRawError(`.BTF.ext of ${ext.length} bytes is too short`);
  const dv = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  if (dv.getUint16(0, true) !== BTF_MAGIC) throw new BtfRawError('bad .BTF.ext magic');
  const hdrLen = dv.getUint32(4, true);
  const hdr = readBtfHeader(btf);
  const seg = (off: number, len: number, minRec: number) => {
    const start = hdrLen + off;
    if (len === 0) return { recSize: minRec, blocks: [] as { secName: string; recs: DataView[] }[] };
    if (start + len > ext.length) throw new BtfRawError('.BTF.ext info beyond the end of data');
    const recSize = dv.getUint32(start, true);
    if (recSize < minRec) throw new BtfRawError(`.BTF.ext record size ${recSize} is smaller than ${minRec}`);
    const blocks: { secName: string; recs: DataView[] }[] = [];
    let p = start + 4;
    const end = start + len;
    while (p < end) {
      if (p + 8 > end) throw new BtfRawError('.BTF.ext section header truncated');
      const secName = btfString(btf, dv.getUint32(p, true), hdr);
      const n = dv.getUint32(p + 4, true);
      p += 8;
      if (p + n * recSize > end) throw new BtfRawError(`.BTF.ext records for '${secName}' truncated`);
      const recs: DataView[] = [];
      for (let i = 0; i < n; i++, p += recSize)
        recs.push(new DataView(ext.buffer, ext.byteOffset + p, recSize));
      blocks.push({ secName, recs });
    }
    return { recSize, blocks };
  };
  const fi = seg(dv.getUint32(8, true), dv.getUint32(12, true), 8);
  const li = seg(dv.getUint32(16, true), dv.getUint32(20, true), 16);
  const cr =
    hdrLen >= 32 ? seg(dv.getUint32(24, true), dv.getUint32(28, true), 16) : { recSize: 16, blocks: [] };
  return {
    funcInfoRecSize: fi.recSize,
    lineInfoRecSize: li.recSize,
    funcInfo: fi.blocks.map((b) => ({
      secName: b.secName,
      records: b.recs.map((r) => ({ insnOff: r.getUint32(0, true), typeId: r.getUint32(4, true) })),
    })),
    lineInfo: li.blocks.map((b) => ({
      secName: b.secName,
      records: b.recs.map((r) => ({
        insnOff: r.getUint32(0, true),
        fileNameOff: r.getUint32(4, true),
        lineOff: r.getUint32(8, true),
        lineCol: r.getUint32(12, true),
      })),
    })),
    coreRelos: cr.blocks.map((b) => ({
      secName: b.secName,
      records: b.recs.map((r) => ({
        insnOff: r.getUint32(0, true),
        typeId: r.getUint32(4, true),
        accessStrOff: r.getUint32(8, true),
        kind: r.getUint32(12, true),
      })),
    })),
  };
}

const KIND_DATASEC = 15;
const KIND_VAR = 14;
const KIND_FUNC = 12;

/** Extra bytes after the 12-byte common header of a raw BTF type. */
function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 4;
    case 3: // ARRAY
      return 12;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return vlen * 12;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return vlen * 8;
    default:
      return 0;
  }
}

/** Byte offsets (from the start of `btf`) of each type record, index = type id - 1. */
export function rawTypeOffsets(btf: Uint8Array, hdr: BtfRawHeader = readBtfHeader(btf)): number[] {
  const dv = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  const out: number[] = [];
  let p = hdr.hdrLen + hdr.typeOff;
  const end = p + hdr.typeLen;
  while (p < end) {
    out.push(p);
    const info = dv.getUint32(p + 4, true);
    p += 12 + extraSize((info >>> 24) & 0x1f, info & 0xffff);
  }
  if (p !== end) throw new BtfRawError('BTF type section is truncated');
  return out;
}

export interface DatasecFixupInput {
  /** FUNCs to turn static (hidden global subprograms). @see bpf_object_fixup_btf, mark_btf_static */
  staticFuncs?: ReadonlySet<string>;
  /** ELF section size by name. */
  sectionSize(name: string): number | undefined;
  /** ELF symbol for a global variable: offset and whether it is STV_HIDDEN/INTERNAL. */
  varSymbol(name: string): { offset: number; hidden: boolean } | undefined;
}

/**
 * Fills in what clang leaves zero in DATASECs (size from the ELF section,
 * VAR offsets from the symbols), turns hidden globals into static VARs and
 * sorts VARs by offset, in place on a copy of the raw .BTF.
 * @see btf_fixup_datasec (libbpf.c)
 */
export function fixupDatasecs(
  btf: Uint8Array,
  input: DatasecFixupInput,
): { btf: Uint8Array; warnings: string[] } {
  const out = btf.slice();
  const hdr = readBtfHeader(out);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const offs = rawTypeOffsets(out, hdr);
  const warnings: string[] = [];
  for (const p of offs) {
    const info = dv.getUint32(p + 4, true);
    if (
      ((info >>> 24) & 0x1f) === KIND_FUNC &&
      input.staticFuncs?.has(btfString(out, dv.getUint32(p, true), hdr))
    ) {
      dv.setUint32(p + 4, info & ~0xffff, true);
      continue;
    }
    if (((info >>> 24) & 0x1f) !== KIND_DATASEC) continue;
    const name = btfString(out, dv.getUint32(p, true), hdr);
    const vlen = info & 0xffff;
    // Extern-backing sections are laid out by libbpf itself.
    if (name === '.kconfig' || name === '.ksyms') continue;
    let fixOffsets = false;
    if (dv.getUint32(p + 8, true) === 0) {
      const size = input.sectionSize(name);
      if (size === undefined) {
        warnings.push(`sec '${name}': failed to determine size from ELF: size 0, err -2`);
        continue;
      }
      dv.setUint32(p + 8, size, true);
      fixOffsets = true;
    }
    const vars: [number, number, number][] = [];
    for (let i = 0; i < vlen; i++) {
      const v = p + 12 + i * 12;
      const varId = dv.getUint32(v, true);
      const vp = offs[varId - 1];
      if (vp !== undefined && ((dv.getUint32(vp + 4, true) >>> 24) & 0x1f) === KIND_VAR) {
        const linkage = dv.getUint32(vp + 12, true);
        if (linkage !== 0 && linkage !== 2) {
          const varName = btfString(out, dv.getUint32(vp, true), hdr);
          const sym = input.varSymbol(varName);
          if (sym === undefined) {
            warnings.push(`failed to find symbol for variable '${varName}' in section '${name}'`);
          } else {
            if (fixOffsets) dv.setUint32(v + 4, sym.offset, true);
            if (sym.hidden) dv.setUint32(vp + 12, 0, true);
          }
        }
      }
      vars.push([dv.getUint32(v, true), dv.getUint32(v + 4, true), dv.getUint32(v + 8, true)]);
    }
    vars.sort((a, b) => a[1] - b[1]);
    vars.forEach(([t, o, s], i) => {
      const v = p + 12 + i * 12;
      dv.setUint32(v, t, true);
      dv.setUint32(v + 4, o, true);
      dv.setUint32(v + 8, s, true);
    });
  }
  return { btf: out, warnings };
}
