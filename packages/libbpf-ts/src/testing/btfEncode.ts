/**
 * Test helper: encodes a @tsbpf/btf model as raw .BTF bytes (little endian)
 * so a fake kernel can serve /sys/kernel/btf/vmlinux.
 */
import type { Btf, BtfType } from '@tsbpf/btf';

const KIND: Record<BtfType['kind'], number> = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
};

export function encodeBtf(btf: Btf): Uint8Array {
  const strs: number[] = [0];
  const strOff = new Map<string, number>([['', 0]]);
  const s = (name: string) => {
    let o = strOff.get(name);
    if (o === undefined) {
      o = strs.length;
      for (const b of new TextEncoder().encode(name)) strs.push(b);
      strs.push(0);
      strOff.set(name, o);
    }
    return o;
  };
  const words: number[] = [];
  const head = (t: BtfType, vlen: number, kflag: boolean, sizeOrType: number) => {
    words.push(s(t.name), ((kflag ? 1 : 0) << 31) | (KIND[t.kind] << 24) | vlen, sizeOrType);
  };
  for (const t of btf.types) {
    switch (t.kind) {
      case 'INT':
        head(t, 0, false, t.size);
        words.push((t.encoding << 24) | (t.offset << 16) | t.bits);
        break;
      case 'PTR':
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        head(t, 0, false, t.type);
        break;
      case 'ARRAY':
        head(t, 0, false, 0);
        words.push(t.type, t.indexType, t.nelems);
        break;
      case 'STRUCT':
      case 'UNION':
        head(t, t.members.length, t.kflag, t.size);
        for (const m of t.members) {
          words.push(s(m.name), m.type, t.kflag ? (m.bitfieldSize << 24) | m.bitOffset : m.bitOffset);
        }
        break;
      case 'ENUM':
        head(t, t.values.length, t.signed, t.size);
        for (const v of t.values) words.push(s(v.name), v.value >>> 0);
        break;
      case 'ENUM64':
        head(t, t.values.length, t.signed, t.size);
        for (const v of t.values) {
          const u = BigInt.asUintN(64, v.value);
          words.push(s(v.name), Number(u & 0xffffffffn), Number(u >> 32n));
        }
        break;
      case 'FWD':
        head(t, 0, t.union, 0);
        break;
      case 'FUNC':
        head(t, t.linkage, false, t.type);
        break;
      case 'FUNC_PROTO':
        head(t, t.params.length, false, t.returnType);
        for (const p of t.params) words.push(s(p.name), p.type);
        break;
      case 'VAR':
        head(t, 0, false, t.type);
        words.push(t.linkage);
        break;
      case 'DATASEC':
        head(t, t.vars.length, false, t.size);
        for (const v of t.vars) words.push(v.type, v.offset, v.size);
        break;
      case 'FLOAT':
        head(t, 0, false, t.size);
        break;
      case 'DECL_TAG':
        head(t, 0, false, t.type);
        words.push(t.componentIdx >>> 0);
        break;
    }
  }
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + strs.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true);
  out[2] = 1;
  dv.setUint32(4, 24, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, typeLen, true);
  dv.setUint32(16, typeLen, true);
  dv.setUint32(20, strs.length, true);
  words.forEach((w, i) => {
    dv.setUint32(24 + i * 4, w >>> 0, true);
  });
  out.set(strs, 24 + typeLen);
  return out;
}
