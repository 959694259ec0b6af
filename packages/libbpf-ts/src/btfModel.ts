/**
 * Decoding raw .BTF bytes (object BTF, kernel BTF) into the @tsbpf/btf type
 * model. Split BTF (a base given) numbers its types after the base's.
 *
 * @see btf__new, btf_parse_type_sec (tools/lib/bpf/btf.c)
 */
import { Btf, type BtfType } from '@tsbpf/btf';
import { btfString, readBtfHeader } from './btfRaw.js';

const KINDS = [
  'UNKN',
  'INT',
  'PTR',
  'ARRAY',
  'STRUCT',
  'UNION',
  'ENUM',
  'FWD',
  'TYPEDEF',
  'VOLATILE',
  'CONST',
  'RESTRICT',
  'FUNC',
  'FUNC_PROTO',
  'VAR',
  'DATASEC',
  'FLOAT',
  'DECL_TAG',
  'TYPE_TAG',
  'ENUM64',
] as const;

/** Decodes raw BTF into a Btf model. Throws on malformed data. */
export function parseObjectBtf(bytes: Uint8Array, base?: Btf): Btf {
  const hdr = readBtfHeader(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const str = (off: number) => btfString(bytes, off, hdr);
  const types: BtfType[] = [];
  let p = hdr.hdrLen + hdr.typeOff;
  const end = p + hdr.typeLen;
  const u32 = (o: number) => dv.getUint32(o, true);
  while (p < end) {
    const name = str(u32(p));
    const info = u32(p + 4);
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const kind = KINDS[(info >>> 24) & 0x1f];
    const sizeOrType = u32(p + 8);
    p += 12;
    switch (kind) {
      case 'INT': {
        const v = u32(p);
        p += 4;
        types.push({
          kind,
          name,
          size: sizeOrType,
          encoding: (v >>> 24) & 0x0f,
          offset: (v >>> 16) & 0xff,
          bits: v & 0xff,
        });
        break;
      }
      case 'PTR':
        types.push({ kind, name, type: sizeOrType });
        break;
      case 'ARRAY':
        types.push({ kind, name, type: u32(p), indexType: u32(p + 4), nelems: u32(p + 8) });
        p += 12;
        break;
      case 'STRUCT':
      case 'UNION': {
        const members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = u32(p + 8);
          members.push({
            name: str(u32(p)),
            type: u32(p + 4),
            bitOffset: kflag ? off & 0xffffff : off,
            bitfieldSize: kflag ? off >>> 24 : 0,
          });
        }
        types.push({ kind, name, size: sizeOrType, kflag, members });
        break;
      }
      case 'ENUM': {
        const values = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          values.push({ name: str(u32(p)), value: kflag ? dv.getInt32(p + 4, true) : u32(p + 4) });
        }
        types.push({ kind, name, size: sizeOrType, signed: kflag, values });
        break;
      }
      case 'ENUM64': {
        const values = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const v = (BigInt(u32(p + 8)) << 32n) | BigInt(u32(p + 4));
          values.push({ name: str(u32(p)), value: kflag ? BigInt.asIntN(64, v) : v });
        }
        types.push({ kind, name, size: sizeOrType, signed: kflag, values });
        break;
      }
      case 'FWD':
        types.push({ kind, name, union: kflag });
        break;
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        types.push({ kind, name, type: sizeOrType });
        break;
      case 'FUNC':
        types.push({ kind, name, type: sizeOrType, linkage: vlen });
        break;
      case 'FUNC_PROTO': {
        const params = [];
        for (let i = 0; i < vlen; i++, p += 8) params.push({ name: str(u32(p)), type: u32(p + 4) });
        types.push({ kind, name, returnType: sizeOrType, params });
        break;
      }
      case 'VAR':
        types.push({ kind, name, type: sizeOrType, linkage: u32(p) });
        p += 4;
        break;
      case 'DATASEC': {
        const vars = [];
        for (let i = 0; i < vlen; i++, p += 12)
          vars.push({ type: u32(p), offset: u32(p + 4), size: u32(p + 8) });
        types.push({ kind, name, size: sizeOrType, vars });
        break;
      }
      case 'FLOAT':
        types.push({ kind, name, size: sizeOrType });
        break;
      case 'DECL_TAG':
        types.push({ kind, name, type: sizeOrType, componentIdx: dv.getInt32(p, true) });
        p += 4;
        break;
      default:
        throw new Error(`BTF type #${types.length + 1}: unknown kind ${(info >>> 24) & 0x1f}`);
    }
  }
  if (p !== end) throw new Error('BTF type section is truncated');
  return new Btf(types, base);
}
