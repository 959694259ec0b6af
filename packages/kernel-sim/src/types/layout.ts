/**
 * Field offsets read back from the kernel Btf: the TypeScript kernel code
 * reaches every field through these, so the bytes it writes are where a BPF
 * program (and CO-RE) expect them.
 */
import type { Btf } from '@tsbpf/btf';

export interface FieldInfo {
  /** Byte offset from the start of the object. */
  offset: number;
  /** BTF id of the field's type (modifiers/typedefs not skipped). */
  typeId: number;
  /** Size in bytes. */
  size: number;
  /** The resolved kind after typedefs/modifiers. */
  kind: string;
  /** For INT fields: signed. */
  signed: boolean;
}

export class StructLayout {
  private cache = new Map<string, FieldInfo>();
  readonly size: number;
  readonly typeId: number;

  constructor(
    readonly btf: Btf,
    readonly name: string,
  ) {
    const id = btf.findByName(name, 'STRUCT') ?? btf.findByName(name, 'UNION');
    if (id === undefined) throw new Error(`no struct ${name} in kernel BTF`);
    this.typeId = id;
    this.size = btf.sizeof(id);
  }

  /** A field by dotted path (`f_path.dentry`, `d_name.len`); anonymous members are transparent. */
  field(path: string): FieldInfo {
    const have = this.cache.get(path);
    if (have) return have;
    let typeId = this.typeId;
    let offset = 0;
    for (const part of path.split('.')) {
      const hit = findMember(this.btf, this.btf.skipModsAndTypedefs(typeId), part);
      if (!hit) throw new Error(`struct ${this.name} has no field '${path}'`);
      offset += hit.offset;
      typeId = hit.typeId;
    }
    const t = this.btf.type(this.btf.skipModsAndTypedefs(typeId));
    const info: FieldInfo = {
      offset,
      typeId,
      size: this.btf.sizeof(typeId),
      kind: t.kind,
      signed: t.kind === 'INT' && (t.encoding & 1) !== 0,
    };
    this.cache.set(path, info);
    return info;
  }

  offsetOf(path: string): number {
    return this.field(path).offset;
  }
}

function findMember(btf: Btf, id: number, name: string): { offset: number; typeId: number } | undefined {
  const t = btf.type(id);
  if (t.kind !== 'STRUCT' && t.kind !== 'UNION') return undefined;
  for (const m of t.members) {
    if (m.name === name) return { offset: m.bitOffset / 8, typeId: m.type };
    if (m.name === '') {
      const inner = findMember(btf, btf.skipModsAndTypedefs(m.type), name);
      if (inner) return { offset: m.bitOffset / 8 + inner.offset, typeId: inner.typeId };
    }
  }
  return undefined;
}
