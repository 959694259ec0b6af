/**
 * Type queries the verifier and CO-RE need: resolving modifiers, finding
 * the member at a byte offset (through nested structs, arrays and flexible
 * arrays, like the verifier's btf_struct_walk) and libbpf's CO-RE type
 * compatibility rules.
 */
import type { Btf } from './btf.js';
import { BtfError } from './btf.js';
import { resolveSize } from './layout.js';
import type { BtfKindName, BtfMember, BtfType, BtfVoid } from './types.js';

/** The type behind `id` with modifiers and typedefs skipped. */
export function resolveType(btf: Btf, id: number): { id: number; type: BtfType | BtfVoid } {
  const rid = btf.skipModsAndTypedefs(id);
  return { id: rid, type: btf.type(rid) };
}

/** The first id with this name and kind, or undefined (kernel btf_find_by_name_kind). */
export function findByNameKind(btf: Btf, name: string, kind: BtfKindName): number | undefined {
  return btf.findByName(name, kind);
}

/** One step of a member walk. */
export interface MemberStep {
  /** Member name ('' for an anonymous struct/union member). */
  name: string;
  /** Member type id as declared (modifiers not skipped). */
  type: number;
  /** Byte offset of the member from the start of the outermost type. */
  offset: number;
  /** Array indices, when the step goes into (possibly nested) array elements. */
  indices?: number[];
}

/** What lies at a byte offset of a struct or union. */
export interface MemberAt {
  /** From the outermost member to the innermost. */
  steps: MemberStep[];
  /** Dotted path as the kernel logs it: `f_path.dentry`, `arr[2].x`. */
  path: string;
  /** Innermost type (modifiers and typedefs skipped). */
  typeId: number;
  /** Byte offset of that innermost type from the start. */
  offset: number;
  /** Size of the innermost type in bytes. */
  size: number;
  /** Set when the innermost member is a bitfield. */
  bitfield?: { bitOffset: number; bits: number };
}

function bitsOf(t: BtfType, m: BtfMember): number {
  return t.kind === 'STRUCT' || t.kind === 'UNION' ? (t.kflag ? m.bitfieldSize : 0) : 0;
}

/**
 * The scalar, pointer or innermost aggregate that contains `byteOffset` of the
 * struct/union `id`, descending through nested structs, unions and arrays
 * (a trailing flexible array covers any offset past the struct's end).
 * `size` (default 1) is the access size: the walk stops at the deepest
 * member that holds the whole access. Returns undefined for padding or
 * an offset outside the type.
 */
export function memberAt(btf: Btf, id: number, byteOffset: number, size = 1): MemberAt | undefined {
  const steps: MemberStep[] = [];
  let curId = btf.skipModsAndTypedefs(id);
  let base = 0;
  let rel = byteOffset;
  let bitfield: MemberAt['bitfield'];
  for (let depth = 0; depth < 64; depth++) {
    const t = btf.type(curId);
    if (t.kind === 'ARRAY') {
      const elemId = btf.skipModsAndTypedefs(t.type);
      const esz = resolveSize(btf, elemId);
      if (esz === 0) return undefined;
      const idx = Math.floor(rel / esz);
      if (t.nelems !== 0 && idx >= t.nelems) return undefined;
      const last = steps.at(-1);
      if (last) {
        last.indices ??= [];
        last.indices.push(idx);
      }
      base += idx * esz;
      rel -= idx * esz;
      curId = elemId;
      continue;
    }
    if (t.kind !== 'STRUCT' && t.kind !== 'UNION') break;
    let found: { m: BtfMember; mid: number; off: number; msize: number } | undefined;
    const n = t.members.length;
    for (let i = 0; i < n; i++) {
      const m = t.members[i]!;
      const bits = bitsOf(t, m);
      const mid = btf.skipModsAndTypedefs(m.type);
      const mt = btf.type(mid);
      if (bits) {
        const startBit = m.bitOffset;
        const endBit = startBit + bits;
        const s = Math.floor(startBit / 8);
        const e = Math.ceil(endBit / 8);
        if (rel >= s && rel < e) {
          found = { m, mid, off: s, msize: e - s };
          bitfield = { bitOffset: startBit, bits };
          break;
        }
        continue;
      }
      if (m.bitOffset % 8) continue;
      const off = m.bitOffset / 8;
      let msize: number;
      try {
        msize = resolveSize(btf, mid);
      } catch {
        continue;
      }
      const flex = mt.kind === 'ARRAY' && mt.nelems === 0 && i === n - 1;
      if (rel >= off && (rel < off + msize || (flex && rel >= off))) {
        found = { m, mid, off, msize };
        break;
      }
    }
    if (!found) {
      if (steps.length === 0) return undefined;
      break;
    }
    const innerRel = rel - found.off;
    const innerKind = btf.type(found.mid).kind;
    steps.push({ name: found.m.name, type: found.m.type, offset: base + found.off });
    base += found.off;
    rel = innerRel;
    curId = found.mid;
    const aggregate = innerKind === 'STRUCT' || innerKind === 'UNION' || innerKind === 'ARRAY';
    if (bitfield || !aggregate) break;
    // Stop at an aggregate member when the access covers it entirely.
    if (innerRel === 0 && size >= found.msize && innerKind !== 'ARRAY') break;
  }
  if (steps.length === 0) return undefined;
  let path = '';
  for (const s of steps) {
    if (s.name) path += path ? `.${s.name}` : s.name;
    if (s.indices) for (const i of s.indices) path += `[${i}]`;
  }
  let tsize = 0;
  try {
    tsize = resolveSize(btf, curId);
  } catch {
    tsize = 0;
  }
  const r: MemberAt = { steps, path, typeId: curId, offset: base, size: tsize };
  if (bitfield) r.bitfield = bitfield;
  return r;
}

/**
 * The name without a CO-RE flavor suffix (`task_struct___v1` -> `task_struct`):
 * cut at the last `X___Y` where X and Y are not underscores, as libbpf does.
 * @see bpf_core_essential_name_len (tools/lib/bpf/libbpf.c)
 */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name.startsWith('___', i + 1) && name[i + 4] !== '_') return name.slice(0, i + 1);
  }
  return name;
}

function coreKindCompat(a: BtfType | BtfVoid, b: BtfType | BtfVoid): boolean {
  if (a.kind === b.kind) return true;
  const en = (k: string) => k === 'ENUM' || k === 'ENUM64';
  return en(a.kind) && en(b.kind);
}

/**
 * libbpf's CO-RE type compatibility (bpf_core_types_are_compat): kinds must
 * match after skipping modifiers and typedefs; structs, unions, enums and
 * forward declarations match by kind; pointers, arrays and function
 * prototypes recursively.
 */
export function typesAreCompat(
  local: Btf,
  localId: number,
  target: Btf,
  targetId: number,
  depth = 32,
): boolean {
  for (;;) {
    if (--depth < 0) throw new BtfError('type compatibility check too deep');
    localId = local.skipModsAndTypedefs(localId);
    targetId = target.skipModsAndTypedefs(targetId);
    const l = local.type(localId);
    const t = target.type(targetId);
    if (!coreKindCompat(l, t)) return false;
    switch (l.kind) {
      case 'VOID':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'FWD':
        return true;
      case 'INT':
        return l.offset === 0 && (t as typeof l).offset === 0;
      case 'PTR':
        localId = l.type;
        targetId = (t as typeof l).type;
        continue;
      case 'ARRAY':
        localId = l.type;
        targetId = (t as typeof l).type;
        continue;
      case 'FUNC_PROTO': {
        const tp = t as typeof l;
        if (l.params.length !== tp.params.length) return false;
        for (let i = 0; i < l.params.length; i++)
          if (!typesAreCompat(local, l.params[i]!.type, target, tp.params[i]!.type, depth)) return false;
        localId = l.returnType;
        targetId = tp.returnType;
        continue;
      }
      default:
        return false;
    }
  }
}

/**
 * libbpf's CO-RE field compatibility (bpf_core_fields_are_compat): any two
 * composites match; enums and forward declarations by essential name (or
 * when either is anonymous);
 * ints, floats and pointers by kind; arrays by element.
 */
export function fieldsAreCompat(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  for (let depth = 0; depth < 32; depth++) {
    localId = local.skipModsAndTypedefs(localId);
    targetId = target.skipModsAndTypedefs(targetId);
    const l = local.type(localId);
    const t = target.type(targetId);
    const composite = (x: { kind: string }) => x.kind === 'STRUCT' || x.kind === 'UNION';
    if (composite(l) && composite(t)) return true;
    if (!coreKindCompat(l, t)) return false;
    switch (l.kind) {
      case 'PTR':
      case 'FLOAT':
        return true;
      case 'FWD':
      case 'ENUM':
      case 'ENUM64': {
        // One of them anonymous, or both with the same flavor-less name.
        const ln = essentialName(l.name);
        const tn = essentialName(t.name);
        return ln === '' || tn === '' || ln === tn;
      }
      case 'INT':
        return l.offset === 0 && (t as typeof l).offset === 0;
      case 'ARRAY':
        localId = l.type;
        targetId = (t as typeof l).type;
        continue;
      default:
        return false;
    }
  }
  throw new BtfError('field compatibility check too deep');
}
