/**
 * Matching a local CO-RE spec against a candidate type in the target BTF.
 *
 * @see bpf_core_spec_match, bpf_core_match_member, bpf_core_fields_are_compat,
 *      __bpf_core_types_are_compat, __bpf_core_types_match (tools/lib/bpf/relo_core.c)
 */
import {
  type Btf,
  type BtfType,
  type BtfVoid,
  fieldsAreCompat as btfFieldsAreCompat,
  typesAreCompat as btfTypesAreCompat,
  essentialName,
} from '@tsbpf/btf';
import { BpfCoreReloKind as K } from '@tsbpf/uapi';
import {
  BPF_CORE_SPEC_MAX_LEN,
  CoreError,
  type CoreSpec,
  E2BIG,
  EINVAL,
  isAnyEnum,
  isComposite,
  isEnumvalBased,
  isFieldBased,
  isFlexArray,
  isTypeBased,
  resolveSize,
} from './spec.js';

const MAX_DEPTH = 32;

/** Kinds CO-RE treats as the same (ENUM and ENUM64 mix). @see btf_kind_core_compat */
export function kindsCoreCompat(a: BtfType | BtfVoid, b: BtfType | BtfVoid): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

/** A @tsbpf/btf CO-RE check whose "too deep" error becomes libbpf's -EINVAL. */
function asCore<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw new CoreError(-EINVAL, e instanceof Error ? e.message : String(e));
  }
}

/** @see bpf_core_fields_are_compat */
export function fieldsAreCompat(local: Btf, localId: number, targ: Btf, targId: number): boolean {
  return asCore(() => btfFieldsAreCompat(local, localId, targ, targId));
}

/** @see __bpf_core_types_are_compat */
export function typesAreCompat(local: Btf, localId: number, targ: Btf, targId: number): boolean {
  return asCore(() => btfTypesAreCompat(local, localId, targ, targId));
}

/** Essential names equal; an anonymous target only matches an anonymous local. @see bpf_core_names_match */
function coreNamesMatch(local: string, targ: string): boolean {
  if (targ === '') return local === '';
  return essentialName(local) === essentialName(targ);
}

/**
 * The stricter TYPE_MATCHES relation: modifiers and typedefs ignored; same
 * kind (a struct/union behind a pointer may match a forward declaration of
 * the same flavour, enum may match enum64); ints of the same width and
 * signedness; arrays of the same length; every local member (by name) or
 * enumerator present in the target, members matching recursively; function
 * prototypes with matching parameters and return type.
 * @see __bpf_core_types_match
 */
export function typesMatch(
  local: Btf,
  localId: number,
  targ: Btf,
  targId: number,
  behindPtr = false,
  level = MAX_DEPTH,
): boolean {
  if (level <= 0) throw new CoreError(-EINVAL, 'type nesting too deep');
  for (let depth = MAX_DEPTH; ; ) {
    if (--depth < 0) throw new CoreError(-EINVAL, 'type nesting too deep');
    localId = local.skipModsAndTypedefs(localId);
    targId = targ.skipModsAndTypedefs(targId);
    const lt = local.type(localId);
    const tt = targ.type(targId);
    if (!coreNamesMatch(lt.name, tt.name)) return false;
    switch (lt.kind) {
      case 'VOID':
        return tt.kind === 'VOID';
      case 'FWD':
        if (behindPtr) {
          if (tt.kind === 'FWD') return lt.union === tt.union;
          return (tt.kind === 'STRUCT' && !lt.union) || (tt.kind === 'UNION' && lt.union);
        }
        return tt.kind === 'FWD' && lt.union === tt.union;
      case 'ENUM':
      case 'ENUM64':
        if (!isAnyEnum(tt) || lt.size !== tt.size || lt.values.length > tt.values.length) return false;
        return lt.values.every((v) => tt.values.some((w) => coreNamesMatch(v.name, w.name)));
      case 'STRUCT':
      case 'UNION': {
        if (behindPtr) {
          if (tt.kind === lt.kind) return true;
          return tt.kind === 'FWD' && tt.union === (lt.kind === 'UNION');
        }
        if (tt.kind !== lt.kind || !isComposite(tt) || lt.members.length > tt.members.length) return false;
        return lt.members.every((m) =>
          tt.members.some(
            (tm) =>
              coreNamesMatch(m.name, tm.name) &&
              typesMatch(local, m.type, targ, tm.type, behindPtr, level - 1),
          ),
        );
      }
      case 'INT':
        return tt.kind === 'INT' && lt.bits === tt.bits && (lt.encoding & 1) === (tt.encoding & 1);
      case 'PTR':
        if (tt.kind !== 'PTR') return false;
        behindPtr = true;
        localId = lt.type;
        targId = tt.type;
        continue;
      case 'ARRAY':
        if (tt.kind !== 'ARRAY' || lt.nelems !== tt.nelems) return false;
        localId = lt.type;
        targId = tt.type;
        continue;
      case 'FUNC_PROTO': {
        if (tt.kind !== 'FUNC_PROTO' || lt.params.length !== tt.params.length) return false;
        for (let i = 0; i < lt.params.length; i++) {
          if (!typesMatch(local, lt.params[i]!.type, targ, tt.params[i]!.type, behindPtr, level - 1))
            return false;
        }
        localId = lt.returnType;
        targId = tt.returnType;
        continue;
      }
      default:
        return false;
    }
  }
}

/**
 * Looks for the local member in the target composite, descending into
 * anonymous members; extends `spec` on success.
 * @see bpf_core_match_member
 */
function matchMember(
  local: Btf,
  localAcc: { typeId: number; idx: number },
  targ: Btf,
  targId: number,
  spec: CoreSpec,
): { found: boolean; nextTargId: number } {
  const lt = local.type(localAcc.typeId);
  if (!isComposite(lt)) throw new CoreError(-EINVAL, 'local accessor is not a composite');
  const localMember = lt.members[localAcc.idx]!;
  targId = targ.skipModsAndTypedefs(targId);
  const tt = targ.type(targId);
  if (!isComposite(tt)) return { found: false, nextTargId: targId };
  for (let i = 0; i < tt.members.length; i++) {
    const m = tt.members[i]!;
    if (spec.rawSpec.length === BPF_CORE_SPEC_MAX_LEN) throw new CoreError(-E2BIG, 'spec too deep');
    spec.bitOffset += m.bitOffset;
    spec.rawSpec.push(i);
    if (m.name === '') {
      const r = matchMember(local, localAcc, targ, m.type, spec);
      if (r.found) return r;
    } else if (m.name === localMember.name) {
      spec.spec.push({ typeId: targId, idx: i, name: m.name });
      const ok = fieldsAreCompat(local, localMember.type, targ, m.type);
      if (!ok) spec.spec.pop();
      return { found: ok, nextTargId: m.type };
    }
    spec.bitOffset -= m.bitOffset;
    spec.rawSpec.pop();
  }
  return { found: false, nextTargId: targId };
}

/**
 * Matches the local spec against candidate `targId`; returns the target
 * spec, or undefined when the candidate does not match.
 * @see bpf_core_spec_match
 */
export function specMatch(localSpec: CoreSpec, targ: Btf, targId: number): CoreSpec | undefined {
  const r = specMatchPartial(localSpec, targ, targId);
  return r.ok ? r.spec : undefined;
}

/** specMatch that also returns the partially built target spec of a non-matching candidate (for the log). */
export function specMatchPartial(
  localSpec: CoreSpec,
  targ: Btf,
  targId: number,
): { ok: boolean; spec: CoreSpec } {
  const targSpec: CoreSpec = {
    btf: targ,
    rootTypeId: targId,
    reloKind: localSpec.reloKind,
    spec: [],
    rawSpec: [],
    bitOffset: 0,
  };
  const ok = specMatchInto(localSpec, targ, targId, targSpec) !== undefined;
  return { ok, spec: targSpec };
}

function specMatchInto(
  localSpec: CoreSpec,
  targ: Btf,
  targId: number,
  targSpec: CoreSpec,
): CoreSpec | undefined {
  const local = localSpec.btf;
  if (isTypeBased(localSpec.reloKind)) {
    const ok =
      localSpec.reloKind === K.BPF_CORE_TYPE_MATCHES
        ? typesMatch(local, localSpec.rootTypeId, targ, targId)
        : typesAreCompat(local, localSpec.rootTypeId, targ, targId);
    return ok ? targSpec : undefined;
  }
  if (isEnumvalBased(localSpec.reloKind)) {
    const id = targ.skipModsAndTypedefs(targId);
    const tt = targ.type(id);
    if (!isAnyEnum(tt)) return undefined;
    const want = essentialName(localSpec.spec[0]!.name ?? '');
    const i = tt.values.findIndex((v) => essentialName(v.name) === want);
    if (i < 0) return undefined;
    targSpec.spec.push({ typeId: id, idx: i, name: tt.values[i]!.name });
    targSpec.rawSpec.push(i);
    return targSpec;
  }
  if (!isFieldBased(localSpec.reloKind)) throw new CoreError(-EINVAL, 'unknown relocation kind');
  let id = targId;
  for (let i = 0; i < localSpec.spec.length; i++) {
    const acc = localSpec.spec[i]!;
    id = targ.skipModsAndTypedefs(id);
    const tt = targ.type(id);
    if (acc.name !== undefined) {
      const r = matchMember(local, acc, targ, id, targSpec);
      if (!r.found) return undefined;
      id = r.nextTargId;
    } else {
      if (i > 0) {
        if (tt.kind !== 'ARRAY') return undefined;
        const flex = isFlexArray(targ, targSpec.spec[targSpec.spec.length - 1], tt.nelems);
        if (!flex && acc.idx >= tt.nelems) return undefined;
        id = targ.skipModsAndTypedefs(tt.type);
      }
      if (targSpec.rawSpec.length === BPF_CORE_SPEC_MAX_LEN) throw new CoreError(-E2BIG, 'spec too deep');
      targSpec.spec.push({ typeId: id, idx: acc.idx, name: undefined });
      targSpec.rawSpec.push(acc.idx);
      targSpec.bitOffset += acc.idx * resolveSize(targ, id) * 8;
    }
  }
  return targSpec;
}

export interface CoreCandidate {
  btf: Btf;
  id: number;
}

/**
 * Types of the target BTF whose essential name and kind match the local type.
 * @see bpf_core_add_cands
 */
export function findCandidates(
  local: Btf,
  localId: number,
  targ: Btf,
  onFound?: (id: number, t: BtfType | BtfVoid) => void,
): CoreCandidate[] {
  const lt = local.type(localId);
  const want = essentialName(lt.name);
  const out: CoreCandidate[] = [];
  for (let id = targ.startId; id < targ.endId; id++) {
    const t = targ.type(id);
    if (!kindsCoreCompat(t, lt) || t.name === '') continue;
    if (essentialName(t.name) !== want) continue;
    onFound?.(id, t);
    out.push({ btf: targ, id });
  }
  return out;
}
