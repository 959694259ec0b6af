import type { Btf } from './btf.js';
import type { BtfType } from './types.js';

const INT_ENCODING: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
const FUNC_LINKAGE = ['static', 'global', 'extern'];
const VAR_LINKAGE = ['static', 'global', 'extern'];

const nameOf = (s: string) => (s === '' ? '(anon)' : s);

/** One field of a raw dump: a number, a string, or a nested list of records. */
type JsonValue = number | bigint | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * The fields bpftool prints for one type, in its order; used by both the raw
 * text dump and the JSON dump.
 */
export function rawFields(id: number, t: BtfType): Record<string, JsonValue> {
  const f: Record<string, JsonValue> = { id, kind: t.kind, name: nameOf(t.name) };
  switch (t.kind) {
    case 'INT':
      f.size = t.size;
      f.bits_offset = t.offset;
      f.nr_bits = t.bits;
      f.encoding = INT_ENCODING[t.encoding] ?? 'UNKN';
      break;
    case 'PTR':
    case 'CONST':
    case 'VOLATILE':
    case 'RESTRICT':
    case 'TYPEDEF':
    case 'TYPE_TAG':
      f.type_id = t.type;
      break;
    case 'ARRAY':
      f.type_id = t.type;
      f.index_type_id = t.indexType;
      f.nr_elems = t.nelems;
      break;
    case 'STRUCT':
    case 'UNION':
      f.size = t.size;
      f.vlen = t.members.length;
      f.members = t.members.map((m) => {
        const r: Record<string, JsonValue> = {
          name: nameOf(m.name),
          type_id: m.type,
          bits_offset: m.bitOffset,
        };
        if (t.kflag && m.bitfieldSize) r.bitfield_size = m.bitfieldSize;
        return r;
      });
      break;
    case 'ENUM':
    case 'ENUM64':
      f.encoding = t.signed ? 'SIGNED' : 'UNSIGNED';
      f.size = t.size;
      f.vlen = t.values.length;
      // bpftool reads btf_enum.val as __s32 and prints unsigned enums with a
      // u64 JSON writer, so negative 32-bit values come out sign-extended.
      f.values = t.values.map((v) => ({
        name: nameOf(v.name),
        val:
          t.kind === 'ENUM'
            ? t.signed
              ? Number(v.value) | 0
              : BigInt.asUintN(64, BigInt(Number(v.value) | 0))
            : t.signed
              ? BigInt.asIntN(64, BigInt(v.value))
              : BigInt.asUintN(64, BigInt(v.value)),
      }));
      break;
    case 'FWD':
      f.fwd_kind = t.union ? 'union' : 'struct';
      break;
    case 'FUNC':
      f.type_id = t.type;
      f.linkage = FUNC_LINKAGE[t.linkage] ?? '(unknown)';
      break;
    case 'FUNC_PROTO':
      f.ret_type_id = t.returnType;
      f.vlen = t.params.length;
      f.params = t.params.map((p) => ({ name: nameOf(p.name), type_id: p.type }));
      break;
    case 'VAR':
      f.type_id = t.type;
      f.linkage = VAR_LINKAGE[t.linkage] ?? '(unknown)';
      break;
    case 'DATASEC':
      f.size = t.size;
      f.vlen = t.vars.length;
      f.vars = t.vars.map((v) => ({ type_id: v.type, offset: v.offset, size: v.size }));
      break;
    case 'FLOAT':
      f.size = t.size;
      break;
    case 'DECL_TAG':
      f.type_id = t.type;
      f.component_idx = t.componentIdx;
      break;
  }
  return f;
}

/** One type as `bpftool btf dump` prints it (without the trailing newline). */
export function dumpRawType(btf: Btf, id: number): string {
  const t = btf.type(id);
  if (t.kind === 'VOID') return `[0] UNKNOWN '(anon)'`;
  let s = `[${id}] ${t.kind} '${nameOf(t.name)}'`;
  switch (t.kind) {
    case 'INT':
      return `${s} size=${t.size} bits_offset=${t.offset} nr_bits=${t.bits} encoding=${INT_ENCODING[t.encoding] ?? 'UNKN'}`;
    case 'PTR':
    case 'CONST':
    case 'VOLATILE':
    case 'RESTRICT':
    case 'TYPEDEF':
    case 'TYPE_TAG':
      return `${s} type_id=${t.type}`;
    case 'ARRAY':
      return `${s} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'STRUCT':
    case 'UNION':
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t'${nameOf(m.name)}' type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (t.kflag && m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      return s;
    case 'ENUM':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t'${nameOf(v.name)}' val=${t.signed ? v.value | 0 : v.value >>> 0}`;
      return s;
    case 'ENUM64':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values)
        s += t.signed
          ? `\n\t'${nameOf(v.name)}' val=${BigInt.asIntN(64, v.value)}LL`
          : `\n\t'${nameOf(v.name)}' val=${BigInt.asUintN(64, v.value)}ULL`;
      return s;
    case 'FWD':
      return `${s} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case 'FUNC':
      return `${s} type_id=${t.type} linkage=${FUNC_LINKAGE[t.linkage] ?? '(unknown)'}`;
    case 'FUNC_PROTO':
      s += ` ret_type_id=${t.returnType} vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\t'${nameOf(p.name)}' type_id=${p.type}`;
      return s;
    case 'VAR':
      return `${s} type_id=${t.type}, linkage=${VAR_LINKAGE[t.linkage] ?? '(unknown)'}`;
    case 'DATASEC':
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}`;
        const vt = btf.tryType(v.type);
        if (vt && vt.kind !== 'VOID') s += ` (${vt.kind} '${nameOf(vt.name)}')`;
      }
      return s;
    case 'FLOAT':
      return `${s} size=${t.size}`;
    case 'DECL_TAG':
      return `${s} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}

/**
 * The text `bpftool btf dump file FILE [format raw]` prints: one entry per
 * own type (a split BTF prints only its own, numbered after the base's).
 */
export function dumpRaw(btf: Btf): string {
  const out: string[] = [];
  for (let id = btf.startId; id < btf.endId; id++) out.push(dumpRawType(btf, id));
  return out.length ? `${out.join('\n')}\n` : '';
}

function toJson(v: JsonValue): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
    .join(',')}}`;
}

/**
 * The JSON `bpftool -j btf dump file FILE` prints: `{"types":[...]}` with
 * one object per own type (64-bit enum values printed exactly).
 */
export function dumpJson(btf: Btf): string {
  const parts: string[] = [];
  for (let id = btf.startId; id < btf.endId; id++) {
    const t = btf.type(id);
    if (t.kind !== 'VOID') parts.push(toJson(rawFields(id, t)));
  }
  return `{"types":[${parts.join(',')}]}\n`;
}
