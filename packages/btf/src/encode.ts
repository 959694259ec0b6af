import type { Btf } from './btf.js';
import { BtfError } from './btf.js';
import { BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION } from './header.js';
import { setEncodeStringsHook } from './parse.js';
import { StringBuilder, StringSection } from './strings.js';
import { BTF_KIND, type BtfType } from './types.js';

function vlenOf(t: BtfType): number {
  switch (t.kind) {
    case 'STRUCT':
    case 'UNION':
      return t.members.length;
    case 'ENUM':
    case 'ENUM64':
      return t.values.length;
    case 'FUNC':
      return t.linkage;
    case 'FUNC_PROTO':
      return t.params.length;
    case 'DATASEC':
      return t.vars.length;
    default:
      return 0;
  }
}

function kflagOf(t: BtfType): boolean {
  switch (t.kind) {
    case 'STRUCT':
    case 'UNION':
      return t.kflag;
    case 'ENUM':
    case 'ENUM64':
      return t.signed;
    case 'FWD':
      return t.union;
    case 'TYPE_TAG':
    case 'DECL_TAG':
      return t.attr === true;
    default:
      return false;
  }
}

/** Size in bytes of one encoded type (struct btf_type plus its trailing data). */
export function encodedTypeSize(t: BtfType): number {
  switch (t.kind) {
    case 'INT':
    case 'VAR':
    case 'DECL_TAG':
      return 16;
    case 'ARRAY':
      return 24;
    case 'STRUCT':
    case 'UNION':
    case 'ENUM64':
    case 'DATASEC':
      return 12 + 12 * vlenOf(t);
    case 'ENUM':
    case 'FUNC_PROTO':
      return 12 + 8 * vlenOf(t);
    default:
      return 12;
  }
}

/** The encoded type and string sections of a BTF (without header). */
export function encodeSections(btf: Btf): { types: Uint8Array; strings: Uint8Array } {
  const baseStrings = btf.base ? baseStringsOf(btf.base) : undefined;
  const sb = new StringBuilder(btf.strings, baseStrings?.endOff ?? 0, baseStrings);
  let total = 0;
  for (const t of btf.types) total += encodedTypeSize(t);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const le = btf.littleEndian;
  let p = 0;
  const u32 = (v: number) => {
    dv.setUint32(p, v >>> 0, le);
    p += 4;
  };
  for (const t of btf.types) {
    const hints = btf.nameOffsets.get(t);
    const name = (s: string, i: number) => sb.offsetOf(s, hints?.[i]);
    const vlen = vlenOf(t);
    if (vlen > 0xffff) throw new BtfError(`${t.kind} '${t.name}': vlen ${vlen} exceeds 65535`);
    u32(name(t.name, 0));
    u32(((kflagOf(t) ? 1 : 0) << 31) | (BTF_KIND[t.kind] << 24) | vlen);
    switch (t.kind) {
      case 'INT':
        u32(t.size);
        u32(((t.encoding & 0x0f) << 24) | ((t.offset & 0xff) << 16) | (t.bits & 0xff));
        break;
      case 'PTR':
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
      case 'FUNC':
        u32(t.type);
        break;
      case 'FWD':
        u32(0);
        break;
      case 'ARRAY':
        u32(0);
        u32(t.type);
        u32(t.indexType);
        u32(t.nelems);
        break;
      case 'STRUCT':
      case 'UNION':
        u32(t.size);
        t.members.forEach((m, i) => {
          u32(name(m.name, i + 1));
          u32(m.type);
          u32(t.kflag ? ((m.bitfieldSize & 0xff) << 24) | (m.bitOffset & 0xffffff) : m.bitOffset);
        });
        break;
      case 'ENUM':
        u32(t.size);
        t.values.forEach((v, i) => {
          u32(name(v.name, i + 1));
          u32(v.value);
        });
        break;
      case 'ENUM64':
        u32(t.size);
        t.values.forEach((v, i) => {
          const raw = BigInt.asUintN(64, v.value);
          u32(name(v.name, i + 1));
          u32(Number(raw & 0xffffffffn));
          u32(Number(raw >> 32n));
        });
        break;
      case 'FUNC_PROTO':
        u32(t.returnType);
        t.params.forEach((q, i) => {
          u32(name(q.name, i + 1));
          u32(q.type);
        });
        break;
      case 'VAR':
        u32(t.type);
        u32(t.linkage);
        break;
      case 'DATASEC':
        u32(t.size);
        for (const v of t.vars) {
          u32(v.type);
          u32(v.offset);
          u32(v.size);
        }
        break;
      case 'FLOAT':
        u32(t.size);
        break;
      case 'DECL_TAG':
        u32(t.type);
        u32(t.componentIdx);
        break;
    }
  }
  return { types: out, strings: sb.bytes() };
}

function baseStringsOf(base: Btf): StringSection {
  if (!base.strings) {
    const { strings } = encodeSections(base);
    const baseOfBase = base.base ? baseStringsOf(base.base) : undefined;
    base.strings = new StringSection(strings, baseOfBase?.endOff ?? 0, baseOfBase);
  }
  return base.strings;
}
setEncodeStringsHook(baseStringsOf);

/**
 * Encodes a BTF as a .BTF blob: header, type section, string section, in the
 * BTF's byte order. A parsed BTF re-encodes to the bytes it came from.
 * @see btf__raw_data (tools/lib/bpf/btf.c)
 */
export function encodeBtf(btf: Btf): Uint8Array {
  const { types, strings } = encodeSections(btf);
  const out = new Uint8Array(BTF_HEADER_SIZE + types.length + strings.length);
  const dv = new DataView(out.buffer);
  const le = btf.littleEndian;
  dv.setUint16(0, BTF_MAGIC, le);
  dv.setUint8(2, BTF_VERSION);
  dv.setUint8(3, 0);
  dv.setUint32(4, BTF_HEADER_SIZE, le);
  dv.setUint32(8, 0, le);
  dv.setUint32(12, types.length, le);
  dv.setUint32(16, types.length, le);
  dv.setUint32(20, strings.length, le);
  out.set(types, BTF_HEADER_SIZE);
  out.set(strings, BTF_HEADER_SIZE + types.length);
  return out;
}
