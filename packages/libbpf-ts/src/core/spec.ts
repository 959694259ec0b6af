/**
 * CO-RE access specifications: the parsed form of a relocation's access
 * string ("0:1:2") walked through a BTF, as libbpf's relo_core.c.
 *
 * @see bpf_core_parse_spec, struct bpf_core_spec, struct bpf_core_accessor (tools/lib/bpf/relo_core.c)
 */
import type { Btf, BtfType, BtfVoid } from '@tsbpf/btf';
import { BpfCoreReloKind as K } from '@tsbpf/uapi';

/** Deepest access string libbpf accepts. @see BPF_CORE_SPEC_MAX_LEN */
export const BPF_CORE_SPEC_MAX_LEN = 64;

export interface CoreAccessor {
  /** Type id of the struct/union (named member) or the array element type. */
  typeId: number;
  /** Member, array or enumerator index. */
  idx: number;
  /** Member or enumerator name; undefined for array accesses. */
  name: string | undefined;
}

export interface CoreSpec {
  btf: Btf;
  rootTypeId: number;
  reloKind: number;
  /** High-level accessors (named members and array indices; anonymous members skipped). */
  spec: CoreAccessor[];
  /** Every raw index, anonymous members included. */
  rawSpec: number[];
  /** Field offset in bits from the start of the root type. */
  bitOffset: number;
}

/** A CO-RE failure with libbpf's negative errno, never a thrown kernel error. */
export class CoreError extends Error {
  override name = 'CoreError';
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
  }
}

export const EINVAL = 22;
export const E2BIG = 7;
export const ESRCH = 3;
export const ERANGE = 34;
export const EOPNOTSUPP = 95;
/** Internal signal: poison the instruction. */
export const EUCLEAN = 117;

export function isFieldBased(kind: number): boolean {
  return kind >= K.BPF_CORE_FIELD_BYTE_OFFSET && kind <= K.BPF_CORE_FIELD_RSHIFT_U64;
}
export function isTypeBased(kind: number): boolean {
  return (
    (kind >= K.BPF_CORE_TYPE_ID_LOCAL && kind <= K.BPF_CORE_TYPE_SIZE) || kind === K.BPF_CORE_TYPE_MATCHES
  );
}
export function isEnumvalBased(kind: number): boolean {
  return kind === K.BPF_CORE_ENUMVAL_EXISTS || kind === K.BPF_CORE_ENUMVAL_VALUE;
}

/** @see core_relo_kind_str */
export function reloKindStr(kind: number): string {
  return (
    [
      'byte_off',
      'byte_sz',
      'field_exists',
      'signed',
      'lshift_u64',
      'rshift_u64',
      'local_type_id',
      'target_type_id',
      'type_exists',
      'type_size',
      'enumval_exists',
      'enumval_value',
      'type_matches',
    ][kind] ?? 'unknown'
  );
}

/** @see btf_kind_str */
export function kindStr(t: BtfType | BtfVoid): string {
  return t.kind === 'VOID' ? 'void' : t.kind.toLowerCase();
}

export function isComposite(t: BtfType | BtfVoid): t is Extract<BtfType, { kind: 'STRUCT' | 'UNION' }> {
  return t.kind === 'STRUCT' || t.kind === 'UNION';
}
export function isAnyEnum(t: BtfType | BtfVoid): t is Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }> {
  return t.kind === 'ENUM' || t.kind === 'ENUM64';
}

/** Size of a type as btf__resolve_size computes it; CoreError(-EINVAL) when it has none. */
export function resolveSize(btf: Btf, id: number): number {
  try {
    return btf.resolveSize(id);
  } catch {
    throw new CoreError(-EINVAL, `type [${id}] has no size`);
  }
}

/** True when `arr` is a flexible array: zero elements and the last member of the accessor's struct. @see is_flex_arr */
export function isFlexArray(btf: Btf, acc: CoreAccessor | undefined, nelems: number): boolean {
  if (nelems !== 0 || acc === undefined || acc.name === undefined) return false;
  const t = btf.type(acc.typeId);
  return isComposite(t) && acc.idx === t.members.length - 1;
}

/**
 * Parses an access string against the local BTF.
 * @see bpf_core_parse_spec
 */
export function parseSpec(btf: Btf, rootTypeId: number, accessStr: string, reloKind: number): CoreSpec {
  if (accessStr === '' || accessStr.startsWith(':')) throw new CoreError(-EINVAL, 'empty access string');
  const spec: CoreSpec = { btf, rootTypeId, reloKind, spec: [], rawSpec: [], bitOffset: 0 };
  for (const part of accessStr.split(':')) {
    if (!/^\d+$/.test(part)) throw new CoreError(-EINVAL, `bad access string '${accessStr}'`);
    if (spec.rawSpec.length === BPF_CORE_SPEC_MAX_LEN) throw new CoreError(-E2BIG, 'access string too long');
    spec.rawSpec.push(Number(part));
  }
  if (isTypeBased(reloKind)) {
    if (accessStr !== '0')
      throw new CoreError(-EINVAL, `type-based relocation with access string '${accessStr}'`);
    return spec;
  }
  let id = btf.skipModsAndTypedefs(rootTypeId);
  let t = btf.type(id);
  const first = spec.rawSpec[0]!;
  if (isEnumvalBased(reloKind)) {
    if (!isAnyEnum(t) || spec.rawSpec.length > 1 || first >= t.values.length) {
      throw new CoreError(-EINVAL, 'enumerator access out of range');
    }
    spec.spec.push({ typeId: id, idx: first, name: t.values[first]!.name });
    return spec;
  }
  if (!isFieldBased(reloKind)) throw new CoreError(-EINVAL, `unknown relocation kind ${reloKind}`);
  spec.spec.push({ typeId: id, idx: first, name: undefined });
  spec.bitOffset = first * resolveSize(btf, id) * 8;
  for (let i = 1; i < spec.rawSpec.length; i++) {
    id = btf.skipModsAndTypedefs(id);
    t = btf.type(id);
    const idx = spec.rawSpec[i]!;
    if (isComposite(t)) {
      const m = t.members[idx];
      if (m === undefined) throw new CoreError(-EINVAL, `member index ${idx} out of range`);
      spec.bitOffset += m.bitOffset;
      if (m.name !== '') spec.spec.push({ typeId: id, idx, name: m.name });
      id = m.type;
    } else if (t.kind === 'ARRAY') {
      const flex = isFlexArray(btf, spec.spec[spec.spec.length - 1], t.nelems);
      id = btf.skipModsAndTypedefs(t.type);
      if (!flex && idx >= t.nelems) throw new CoreError(-EINVAL, `array index ${idx} out of range`);
      spec.spec.push({ typeId: id, idx, name: undefined });
      spec.bitOffset += idx * resolveSize(btf, id) * 8;
    } else {
      throw new CoreError(
        -EINVAL,
        `relo for [${rootTypeId}] ${accessStr} (at idx ${i}) captures type [${id}] of unexpected kind ${kindStr(t)}`,
      );
    }
  }
  return spec;
}

/**
 * Human form of a spec, as libbpf's debug output prints it:
 * `<byte_off> [2] struct bpf_iter__task.meta (0:0:0 @ offset 0)`.
 * @see bpf_core_format_spec
 */
export function formatSpec(spec: CoreSpec): string {
  const t = spec.btf.type(spec.rootTypeId);
  let s = `<${reloKindStr(spec.reloKind)}> [${spec.rootTypeId}] ${kindStr(t)} ${t.name === '' ? '<anon>' : t.name}`;
  if (isTypeBased(spec.reloKind)) return s;
  if (isEnumvalBased(spec.reloKind)) {
    const e = spec.btf.type(spec.btf.skipModsAndTypedefs(spec.rootTypeId));
    if (isAnyEnum(e)) {
      const v = e.values[spec.rawSpec[0]!];
      if (v !== undefined) s += `::${v.name} = ${formatEnumValue(v.value, e.signed, e.size)}`;
    }
    return s;
  }
  spec.spec.forEach((acc, i) => {
    if (acc.name !== undefined) s += `.${acc.name}`;
    else if (i > 0 || acc.idx > 0) s += `[${acc.idx}]`;
  });
  s += ` (${spec.rawSpec.join(':')}`;
  s +=
    spec.bitOffset % 8
      ? ` @ offset ${Math.floor(spec.bitOffset / 8)}.${spec.bitOffset % 8})`
      : ` @ offset ${spec.bitOffset / 8})`;
  return s;
}

/** Enumerator value as libbpf prints it (%lld when signed, %llu otherwise). */
export function formatEnumValue(value: number | bigint, signed: boolean, size: number): string {
  let v = BigInt(value);
  if (!signed && v < 0n) v = BigInt.asUintN(size >= 8 ? 64 : 32, v);
  return v.toString();
}
