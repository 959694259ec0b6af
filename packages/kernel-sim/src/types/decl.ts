/**
 * The declaration language for kernel structs: one declaration per struct
 * yields both its BTF (in the kernel's vmlinux Btf) and its memory layout
 * (offsets computed by the C rules the compiler applies: natural alignment,
 * size rounded up to the largest member alignment).
 */
import {
  BTF_FUNC_GLOBAL,
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  Btf,
  type BtfComposite,
  type BtfMember,
} from '@tsbpf/btf';

/** A field: a C type expression (`'unsigned int'`, `'struct file **'`, `'char[16]'`) or an anonymous struct/union. */
export type FieldType = string | AnonDecl;
export interface AnonDecl {
  kind: 'struct' | 'union';
  fields: FieldDecl[];
}
export type FieldDecl = readonly [name: string, type: FieldType];

export interface StructDecl {
  kind: 'struct' | 'union';
  name: string;
  fields: FieldDecl[];
}

export interface FuncDecl {
  name: string;
  ret: string;
  params: readonly (readonly [name: string, type: string])[];
}

export function struct(name: string, fields: FieldDecl[]): StructDecl {
  return { kind: 'struct', name, fields };
}
export function union(name: string, fields: FieldDecl[]): StructDecl {
  return { kind: 'union', name, fields };
}
export function anonUnion(fields: FieldDecl[]): AnonDecl {
  return { kind: 'union', fields };
}
export function anonStruct(fields: FieldDecl[]): AnonDecl {
  return { kind: 'struct', fields };
}

/** Base integer types: name -> [size, signed, bool]. BTF allows one encoding bit; pahole emits char as SIGNED. */
const INTS: Record<string, readonly [number, boolean, boolean]> = {
  char: [1, true, false],
  'unsigned char': [1, false, false],
  'signed char': [1, true, false],
  short: [2, true, false],
  'short unsigned int': [2, false, false],
  int: [4, true, false],
  'unsigned int': [4, false, false],
  'long int': [8, true, false],
  'long unsigned int': [8, false, false],
  'long long int': [8, true, false],
  'long long unsigned int': [8, false, false],
  _Bool: [1, false, true],
};

/** C spellings accepted in declarations, mapped to the names pahole emits. */
const INT_ALIASES: Record<string, string> = {
  'unsigned short': 'short unsigned int',
  long: 'long int',
  'unsigned long': 'long unsigned int',
  'long long': 'long long int',
  'unsigned long long': 'long long unsigned int',
  unsigned: 'unsigned int',
  bool: '_Bool',
};

/** Typedefs, in dependency order: name -> target expression. */
export const TYPEDEFS: readonly (readonly [string, string])[] = [
  ['__u8', 'unsigned char'],
  ['__s8', 'signed char'],
  ['__u16', 'unsigned short'],
  ['__s16', 'short'],
  ['__u32', 'unsigned int'],
  ['__s32', 'int'],
  ['__u64', 'unsigned long long'],
  ['__s64', 'long long'],
  ['u8', '__u8'],
  ['s8', '__s8'],
  ['u16', '__u16'],
  ['s16', '__s16'],
  ['u32', '__u32'],
  ['s32', '__s32'],
  ['u64', '__u64'],
  ['s64', '__s64'],
  // Byte-order and checksum typedefs that libbpf's bpf_helper_defs.h names.
  ['__be16', '__u16'],
  ['__be32', '__u32'],
  ['__wsum', '__u32'],
  ['__kernel_pid_t', 'int'],
  ['pid_t', '__kernel_pid_t'],
  ['__kernel_long_t', 'long'],
  ['__kernel_ulong_t', 'unsigned long'],
  ['__kernel_size_t', '__kernel_ulong_t'],
  ['size_t', '__kernel_size_t'],
  ['__kernel_ssize_t', '__kernel_long_t'],
  ['ssize_t', '__kernel_ssize_t'],
  ['__kernel_loff_t', 'long long'],
  ['loff_t', '__kernel_loff_t'],
  ['umode_t', 'unsigned short'],
  ['fmode_t', 'unsigned int'],
  ['__kernel_uid32_t', 'unsigned int'],
  ['__kernel_gid32_t', 'unsigned int'],
  ['uid_t', '__kernel_uid32_t'],
  ['gid_t', '__kernel_gid32_t'],
  ['bool', '_Bool'],
  ['__kernel_dev_t', 'u32'],
  ['dev_t', '__kernel_dev_t'],
];

/** The layout of one composite: member name -> offset (bytes) and type id. */
export interface MemberLayout {
  name: string;
  offset: number;
  typeId: number;
}

/** Builds a Btf from declarations. */
export class BtfBuilder {
  readonly btf = new Btf();
  private ids = new Map<string, number>();
  private structIds = new Map<string, number>();
  private decls = new Map<string, StructDecl>();
  private done = new Set<string>();

  constructor(
    decls: readonly StructDecl[],
    funcs: readonly FuncDecl[],
    structTypedefs: readonly (readonly [string, FieldType])[] = [],
  ) {
    for (const d of decls) {
      if (this.decls.has(d.name)) throw new Error(`duplicate declaration of ${d.kind} ${d.name}`);
      this.decls.set(d.name, d);
    }
    const intId = this.typeId('int');
    this.btf.type(intId);
    for (const [name, target] of TYPEDEFS) this.typedef(name, target);
    for (const [name, target] of structTypedefs) {
      const type = typeof target === 'string' ? this.typeId(target) : this.anon(target);
      this.ids.set(name, this.btf.add({ kind: 'TYPEDEF', name, type }));
    }
    for (const d of decls) this.complete(d.name);
    for (const f of funcs) this.func(f);
  }

  private typedef(name: string, target: string): number {
    const have = this.ids.get(name);
    if (have !== undefined) return have;
    const id = this.btf.add({ kind: 'TYPEDEF', name, type: this.typeId(target) });
    this.ids.set(name, id);
    return id;
  }

  /** The id of a C type expression, adding types as needed. */
  typeId(expr: string): number {
    const key = expr.replace(/\s+/g, ' ').trim();
    const have = this.ids.get(key);
    if (have !== undefined) return have;
    const id = this.parse(key);
    this.ids.set(key, id);
    return id;
  }

  private parse(expr: string): number {
    if (expr === 'void') return 0;
    const arr = /^(.*)\[(\d+)\]$/.exec(expr);
    if (arr) {
      const elem = this.typeId(arr[1]!);
      return this.btf.add({
        kind: 'ARRAY',
        name: '',
        type: elem,
        indexType: this.typeId('int'),
        nelems: Number(arr[2]),
      });
    }
    if (expr.endsWith('*')) {
      const inner = expr.slice(0, -1).trim();
      return this.btf.add({ kind: 'PTR', name: '', type: this.typeId(inner) });
    }
    if (expr.startsWith('const ')) {
      return this.btf.add({ kind: 'CONST', name: '', type: this.typeId(expr.slice(6)) });
    }
    const comp = /^(struct|union) (\w+)$/.exec(expr);
    if (comp) return this.compositeId(comp[1] as 'struct' | 'union', comp[2]!);
    const intName = INT_ALIASES[expr] ?? expr;
    const int = INTS[intName];
    if (int) {
      if (intName !== expr) return this.typeId(intName);
      const [size, signed, isBool] = int;
      const encoding = signed ? BTF_INT_SIGNED : isBool ? BTF_INT_BOOL : 0;
      return this.btf.add({ kind: 'INT', name: intName, size, encoding, offset: 0, bits: size * 8 });
    }
    const td = TYPEDEFS.find(([n]) => n === expr);
    if (td) return this.typedef(td[0], td[1]);
    throw new Error(`unknown type '${expr}' in kernel declarations`);
  }

  private compositeId(kind: 'struct' | 'union', name: string): number {
    const have = this.structIds.get(name);
    if (have !== undefined) return have;
    const decl = this.decls.get(name);
    if (!decl) {
      const id = this.btf.add({ kind: 'FWD', name, union: kind === 'union' });
      this.structIds.set(name, id);
      return id;
    }
    if (decl.kind !== kind) throw new Error(`${name} declared as ${decl.kind}, used as ${kind}`);
    const t: BtfComposite = {
      kind: kind === 'struct' ? 'STRUCT' : 'UNION',
      name,
      size: 0,
      kflag: false,
      members: [],
    };
    const id = this.btf.add(t);
    this.structIds.set(name, id);
    return id;
  }

  private complete(name: string): void {
    if (this.done.has(name)) return;
    const decl = this.decls.get(name)!;
    const id = this.compositeId(decl.kind, name);
    this.done.add(name);
    const t = this.btf.type(id) as BtfComposite;
    this.fill(t, decl.fields);
  }

  private fill(t: BtfComposite, fields: readonly FieldDecl[]): void {
    let off = 0;
    let align = 1;
    let size = 0;
    const members: BtfMember[] = [];
    for (const [fname, ftype] of fields) {
      const typeId = typeof ftype === 'string' ? this.typeId(ftype) : this.anon(ftype);
      const [fsize, falign] = this.sizeAlign(typeId);
      align = Math.max(align, falign);
      if (t.kind === 'UNION') {
        members.push({ name: fname, type: typeId, bitOffset: 0, bitfieldSize: 0 });
        size = Math.max(size, fsize);
      } else {
        off = roundUp(off, falign);
        members.push({ name: fname, type: typeId, bitOffset: off * 8, bitfieldSize: 0 });
        off += fsize;
        size = off;
      }
    }
    t.members = members;
    t.size = roundUp(size, align);
  }

  private anon(a: AnonDecl): number {
    const t: BtfComposite = {
      kind: a.kind === 'struct' ? 'STRUCT' : 'UNION',
      name: '',
      size: 0,
      kflag: false,
      members: [],
    };
    const id = this.btf.add(t);
    this.fill(t, a.fields);
    return id;
  }

  /** Size and alignment of a type; by-value structs are completed first. */
  private sizeAlign(id: number): [number, number] {
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'INT':
        return [t.size, t.size];
      case 'PTR':
        return [8, 8];
      case 'ARRAY': {
        const [s, a] = this.sizeAlign(t.type);
        return [s * t.nelems, a];
      }
      case 'TYPEDEF':
      case 'CONST':
      case 'VOLATILE':
        return this.sizeAlign(t.type);
      case 'STRUCT':
      case 'UNION': {
        if (t.name) this.complete(t.name);
        let a = 1;
        for (const m of t.members) a = Math.max(a, this.sizeAlign(m.type)[1]);
        return [t.size, a];
      }
      default:
        throw new Error(`type ${t.kind} ${t.name} cannot be a member by value`);
    }
  }

  private func(f: FuncDecl): void {
    const proto = this.btf.add({
      kind: 'FUNC_PROTO',
      name: '',
      returnType: this.typeId(f.ret),
      params: f.params.map(([name, type]) => ({ name, type: this.typeId(type) })),
    });
    this.btf.add({ kind: 'FUNC', name: f.name, type: proto, linkage: BTF_FUNC_GLOBAL });
  }
}

export function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
