/**
 * Declaring BTF from TypeScript. Struct and union members get their offsets
 * from the C layout rules (natural alignment, bitfields packed into their
 * storage unit, tail padding), and types are emitted with the kinds, flags
 * and helper types clang uses: kind_flag set on a struct only when it has
 * bitfields, arrays indexed by `__ARRAY_SIZE_TYPE__`, `(void)` prototypes
 * with no params.
 */
import { Btf, BtfError } from './btf.js';
import { alignof, resolveSize } from './layout.js';
import {
  BTF_FUNC_GLOBAL,
  BTF_INT_BOOL,
  BTF_INT_SIGNED,
  BTF_VAR_GLOBAL_ALLOCATED,
  type BtfType,
} from './types.js';

export interface MemberSpec {
  name: string;
  type: number;
  /** Bitfield width; omit for a regular member. */
  bits?: number;
  /** Explicit bit offset (skips layout). */
  bitOffset?: number;
}

export interface StructOptions {
  /** `__attribute__((packed))`: members at byte granularity, alignment 1. */
  packed?: boolean;
  /** Explicit size (else computed from the layout). */
  size?: number;
}

export class BtfBuilder {
  readonly btf: Btf;
  private arraySizeType: number | undefined;

  constructor(base?: Btf) {
    this.btf = new Btf([], base);
  }

  /** Adds any type object and returns its id. */
  add(t: BtfType): number {
    return this.btf.add(t);
  }

  int(
    name: string,
    size: number,
    opts: { signed?: boolean; bool?: boolean; char?: boolean; bits?: number } = {},
  ): number {
    let encoding = 0;
    if (opts.signed) encoding |= BTF_INT_SIGNED;
    if (opts.char) encoding |= 2;
    if (opts.bool) encoding |= BTF_INT_BOOL;
    return this.add({ kind: 'INT', name, size, encoding, offset: 0, bits: opts.bits ?? size * 8 });
  }
  float(name: string, size: number): number {
    return this.add({ kind: 'FLOAT', name, size });
  }
  ptr(type: number): number {
    return this.add({ kind: 'PTR', name: '', type });
  }
  const(type: number): number {
    return this.add({ kind: 'CONST', name: '', type });
  }
  volatile(type: number): number {
    return this.add({ kind: 'VOLATILE', name: '', type });
  }
  restrict(type: number): number {
    return this.add({ kind: 'RESTRICT', name: '', type });
  }
  typeTag(value: string, type: number): number {
    return this.add({ kind: 'TYPE_TAG', name: value, type });
  }
  typedef(name: string, type: number): number {
    return this.add({ kind: 'TYPEDEF', name, type });
  }
  fwd(name: string, union = false): number {
    return this.add({ kind: 'FWD', name, union });
  }

  /** An array; the index type is clang's `__ARRAY_SIZE_TYPE__` unless given. */
  array(elem: number, nelems: number, indexType?: number): number {
    const idx = indexType ?? this.arrayIndexType();
    return this.add({ kind: 'ARRAY', name: '', type: elem, indexType: idx, nelems });
  }

  private arrayIndexType(): number {
    if (this.arraySizeType === undefined) {
      this.arraySizeType =
        this.btf.findByName('__ARRAY_SIZE_TYPE__', 'INT') ?? this.int('__ARRAY_SIZE_TYPE__', 4);
    }
    return this.arraySizeType;
  }

  struct(name: string, members: MemberSpec[], opts: StructOptions = {}): number {
    return this.composite('STRUCT', name, members, opts);
  }
  union(name: string, members: MemberSpec[], opts: StructOptions = {}): number {
    return this.composite('UNION', name, members, opts);
  }

  /**
   * Declares a struct/union whose members refer to it (e.g. `struct list_head
   * *next`): returns the id now, `define` fills in the members later.
   */
  declare(
    kind: 'STRUCT' | 'UNION',
    name: string,
  ): { id: number; define: (m: MemberSpec[], o?: StructOptions) => void } {
    const id = this.add({ kind, name, size: 0, kflag: false, members: [] });
    return {
      id,
      define: (members, opts = {}) => {
        const t = this.layout(kind, name, members, opts);
        this.btf.types[id - this.btf.startId] = t;
      },
    };
  }

  private composite(
    kind: 'STRUCT' | 'UNION',
    name: string,
    members: MemberSpec[],
    opts: StructOptions,
  ): number {
    return this.add(this.layout(kind, name, members, opts));
  }

  /** C layout of members (System V rules, as clang lays out for BPF). */
  private layout(kind: 'STRUCT' | 'UNION', name: string, specs: MemberSpec[], opts: StructOptions): BtfType {
    const btf = this.btf;
    let bit = 0;
    let maxAlign = 1;
    let end = 0;
    const kflag = specs.some((m) => m.bits !== undefined);
    const members = specs.map((m) => {
      const size = resolveSize(btf, m.type);
      const align = opts.packed ? 1 : alignof(btf, m.type);
      if (align > maxAlign) maxAlign = align;
      let off: number;
      if (m.bitOffset !== undefined) off = m.bitOffset;
      else if (kind === 'UNION') off = 0;
      else if (m.bits !== undefined) {
        if (m.bits === 0) {
          // `int : 0` closes the storage unit.
          off = Math.ceil(bit / (align * 8)) * align * 8;
          bit = off;
          return undefined;
        }
        // A bitfield goes at the current bit unless it would straddle its storage unit.
        const unit = size * 8;
        const startUnit = Math.floor(bit / unit);
        const endUnit = Math.floor((bit + m.bits - 1) / unit);
        off = opts.packed || startUnit === endUnit ? bit : endUnit * unit;
      } else off = Math.ceil(bit / (align * 8)) * align * 8;
      const width = m.bits ?? size * 8;
      if (kind === 'STRUCT') bit = off + width;
      end = Math.max(end, off + width);
      return { name: m.name, type: m.type, bitOffset: off, bitfieldSize: m.bits ?? 0 };
    });
    const bytes = Math.ceil(end / 8);
    const size = opts.size ?? Math.ceil(bytes / maxAlign) * maxAlign;
    return { kind, name, size, kflag, members: members.filter((m) => m !== undefined) };
  }

  enum(name: string, values: [string, number][], opts: { size?: number; signed?: boolean } = {}): number {
    const signed = opts.signed ?? values.some(([, v]) => v < 0);
    return this.add({
      kind: 'ENUM',
      name,
      size: opts.size ?? 4,
      signed,
      values: values.map(([n, v]) => ({ name: n, value: signed ? v | 0 : v >>> 0 })),
    });
  }
  enum64(name: string, values: [string, bigint][], opts: { signed?: boolean } = {}): number {
    const signed = opts.signed ?? values.some(([, v]) => v < 0n);
    return this.add({
      kind: 'ENUM64',
      name,
      size: 8,
      signed,
      values: values.map(([n, v]) => ({ name: n, value: v })),
    });
  }

  /** A prototype; `vararg` appends the unnamed void param clang emits for `...`. */
  funcProto(returnType: number, params: { name?: string; type: number }[], vararg = false): number {
    const ps = params.map((p) => ({ name: p.name ?? '', type: p.type }));
    if (vararg) ps.push({ name: '', type: 0 });
    return this.add({ kind: 'FUNC_PROTO', name: '', returnType, params: ps });
  }
  func(name: string, proto: number, linkage: number = BTF_FUNC_GLOBAL): number {
    if (this.btf.type(proto).kind !== 'FUNC_PROTO')
      throw new BtfError(`func '${name}': type ${proto} is not a FUNC_PROTO`);
    return this.add({ kind: 'FUNC', name, type: proto, linkage });
  }
  variable(name: string, type: number, linkage: number = BTF_VAR_GLOBAL_ALLOCATED): number {
    return this.add({ kind: 'VAR', name, type, linkage });
  }
  datasec(name: string, vars: { type: number; offset: number; size: number }[], size?: number): number {
    const s = size ?? vars.reduce((a, v) => Math.max(a, v.offset + v.size), 0);
    return this.add({ kind: 'DATASEC', name, size: s, vars });
  }
  declTag(value: string, type: number, componentIdx = -1): number {
    return this.add({ kind: 'DECL_TAG', name: value, type, componentIdx });
  }
}
