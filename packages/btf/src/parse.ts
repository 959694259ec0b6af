import { Btf, BtfError } from './btf.js';
import { readBtfHeader } from './header.js';
import { StringSection } from './strings.js';
import type { BtfMember, BtfParam, BtfType, BtfVarSecinfo } from './types.js';

export interface ParseBtfOptions {
  /** The base BTF of a split BTF (e.g. vmlinux for a module's BTF). */
  base?: Btf;
}

/** Kind names by BTF_KIND_* number (index 0 is UNKN). */
export const KIND_NAMES = [
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

let encodeHook: ((b: Btf) => StringSection) | undefined;
/** @internal set by encode.ts so a built base can serve its strings to a split parse. */
export function setEncodeStringsHook(fn: (b: Btf) => StringSection): void {
  encodeHook = fn;
}

/**
 * Parses a .BTF blob (either byte order). With `base`, the blob is split BTF:
 * its ids and string offsets continue after the base's.
 * Throws BtfError for malformed input.
 * @see btf_parse (kernel/bpf/btf.c), btf_new (tools/lib/bpf/btf.c)
 */
export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  const { header: h, le } = readBtfHeader(bytes);
  const base = options.base;
  let baseStrings: StringSection | undefined;
  if (base) {
    if (!base.strings && encodeHook) base.strings = encodeHook(base);
    baseStrings = base.strings;
  }
  const strStart = h.hdrLen + h.strOff;
  const strBytes = bytes.slice(strStart, strStart + h.strLen);
  if (!base && strBytes.length > 0 && strBytes[0] !== 0)
    throw new BtfError('BTF string section does not start with a NUL');
  if (strBytes.length > 0 && strBytes[strBytes.length - 1] !== 0)
    throw new BtfError('BTF string section is not NUL-terminated');
  const strings = new StringSection(strBytes, baseStrings?.endOff ?? 0, baseStrings);
  const btf = new Btf([], base);
  btf.littleEndian = le;
  btf.strings = strings;

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = h.hdrLen + h.typeOff;
  const end = p + h.typeLen;
  const str = (off: number, what: string): string => {
    if (off === 0) return '';
    if (!strings.has(off)) throw new BtfError(`${what}: name offset ${off} is outside the string section`);
    return strings.get(off);
  };
  const types: BtfType[] = btf.types;
  while (p < end) {
    const id = btf.startId + types.length;
    if (p + 12 > end) throw new BtfError(`type [${id}]: truncated btf_type`);
    const nameOff = dv.getUint32(p, le);
    const info = dv.getUint32(p + 4, le);
    const sizeOrType = dv.getUint32(p + 8, le);
    p += 12;
    const kindNo = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const kind = KIND_NAMES[kindNo];
    const where = `type [${id}]`;
    if (kind === undefined || kind === 'UNKN') throw new BtfError(`${where}: invalid kind ${kindNo}`);
    const name = str(nameOff, where);
    const need = (n: number) => {
      if (p + n > end) throw new BtfError(`${where} ${kind} '${name}': truncated (needs ${n} more bytes)`);
    };
    const offs: number[] = [nameOff];
    let t: BtfType;
    switch (kind) {
      case 'INT': {
        need(4);
        const v = dv.getUint32(p, le);
        p += 4;
        t = {
          kind,
          name,
          size: sizeOrType,
          encoding: (v >>> 24) & 0x0f,
          offset: (v >>> 16) & 0xff,
          bits: v & 0xff,
        };
        break;
      }
      case 'PTR':
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
        t = { kind, name, type: sizeOrType };
        break;
      case 'TYPE_TAG':
        t = kflag ? { kind, name, type: sizeOrType, attr: true } : { kind, name, type: sizeOrType };
        break;
      case 'ARRAY': {
        need(12);
        t = {
          kind,
          name,
          type: dv.getUint32(p, le),
          indexType: dv.getUint32(p + 4, le),
          nelems: dv.getUint32(p + 8, le),
        };
        p += 12;
        break;
      }
      case 'STRUCT':
      case 'UNION': {
        need(12 * vlen);
        const members: BtfMember[] = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const mOff = dv.getUint32(p, le);
          const off = dv.getUint32(p + 8, le);
          members[i] = {
            name: str(mOff, `${where} member ${i}`),
            type: dv.getUint32(p + 4, le),
            bitOffset: kflag ? off & 0xffffff : off,
            bitfieldSize: kflag ? off >>> 24 : 0,
          };
          offs.push(mOff);
          p += 12;
        }
        t = { kind, name, size: sizeOrType, kflag, members };
        break;
      }
      case 'ENUM': {
        need(8 * vlen);
        const values = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const vOff = dv.getUint32(p, le);
          values[i] = {
            name: str(vOff, `${where} enumerator ${i}`),
            value: kflag ? dv.getInt32(p + 4, le) : dv.getUint32(p + 4, le),
          };
          offs.push(vOff);
          p += 8;
        }
        t = { kind, name, size: sizeOrType, signed: kflag, values };
        break;
      }
      case 'ENUM64': {
        need(12 * vlen);
        const values = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const vOff = dv.getUint32(p, le);
          const lo = BigInt(dv.getUint32(p + 4, le));
          const hi = BigInt(dv.getUint32(p + 8, le));
          const raw = (hi << 32n) | lo;
          values[i] = {
            name: str(vOff, `${where} enumerator ${i}`),
            value: kflag ? BigInt.asIntN(64, raw) : raw,
          };
          offs.push(vOff);
          p += 12;
        }
        t = { kind, name, size: sizeOrType, signed: kflag, values };
        break;
      }
      case 'FWD':
        t = { kind, name, union: kflag };
        break;
      case 'FUNC':
        t = { kind, name, type: sizeOrType, linkage: vlen };
        break;
      case 'FUNC_PROTO': {
        need(8 * vlen);
        const params: BtfParam[] = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          const pOff = dv.getUint32(p, le);
          params[i] = { name: str(pOff, `${where} param ${i}`), type: dv.getUint32(p + 4, le) };
          offs.push(pOff);
          p += 8;
        }
        t = { kind, name, returnType: sizeOrType, params };
        break;
      }
      case 'VAR':
        need(4);
        t = { kind, name, type: sizeOrType, linkage: dv.getUint32(p, le) };
        p += 4;
        break;
      case 'DATASEC': {
        need(12 * vlen);
        const vars: BtfVarSecinfo[] = new Array(vlen);
        for (let i = 0; i < vlen; i++) {
          vars[i] = {
            type: dv.getUint32(p, le),
            offset: dv.getUint32(p + 4, le),
            size: dv.getUint32(p + 8, le),
          };
          p += 12;
        }
        t = { kind, name, size: sizeOrType, vars };
        break;
      }
      case 'FLOAT':
        t = { kind, name, size: sizeOrType };
        break;
      case 'DECL_TAG':
        need(4);
        t = { kind, name, type: sizeOrType, componentIdx: dv.getInt32(p, le) };
        if (kflag) t.attr = true;
        p += 4;
        break;
    }
    types.push(t);
    btf.nameOffsets.set(t, offs);
  }
  return btf;
}
