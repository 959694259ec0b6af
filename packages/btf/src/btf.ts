import { alignof as alignofType, resolveSize } from './layout.js';
import { type MemberAt, memberAt as memberAtOffset } from './queries.js';
import type { StringSection } from './strings.js';
import type { BtfKindName, BtfType, BtfVoid } from './types.js';

/** A BTF error: malformed input or a query that cannot be answered. */
export class BtfError extends Error {
  override name = 'BtfError';
}

const VOID: BtfVoid = { kind: 'VOID', name: '' };

/**
 * A set of BTF types. Ids are dense: id 0 is void; a split BTF (module or
 * program BTF on top of a base) numbers its own types after the base's.
 */
export class Btf {
  /** This BTF's own types; `types[0]` has id `startId`. */
  readonly types: BtfType[] = [];
  readonly base: Btf | undefined;
  private byName: Map<string, number[]> | undefined;
  /** Byte order of the encoding (the parsed blob's, little-endian for built BTF). */
  littleEndian = true;
  /**
   * The string section this BTF was parsed from, kept so that encoding
   * reproduces the original bytes; new names are appended after it.
   */
  strings: StringSection | undefined;
  /**
   * The string offsets each parsed type was read with (name first, then its
   * members', params' or enumerators' names), so re-encoding keeps them.
   */
  readonly nameOffsets = new WeakMap<BtfType, number[]>();

  constructor(types: Iterable<BtfType> = [], base?: Btf) {
    this.base = base;
    for (const t of types) this.types.push(t);
  }

  /** The id of this BTF's first own type (1 for a base BTF). */
  get startId(): number {
    return this.base ? this.base.startId + this.base.types.length : 1;
  }

  /** One past the largest valid id. */
  get endId(): number {
    return this.startId + this.types.length;
  }

  /** The type with this id, or undefined when out of range (no throw). */
  tryType(id: number): BtfType | BtfVoid | undefined {
    if (id === 0) return VOID;
    if (id < this.startId) return this.base?.tryType(id);
    return this.types[id - this.startId];
  }

  /** Appends a type and returns its id. */
  add(type: BtfType): number {
    this.types.push(type);
    this.byName = undefined;
    return this.endId - 1;
  }

  /** The type with this id (void for 0). Throws BtfError for an unknown id. */
  type(id: number): BtfType | BtfVoid {
    if (id === 0) return VOID;
    if (id < this.startId) {
      if (!this.base) throw new BtfError(`type id ${id} out of range`);
      return this.base.type(id);
    }
    const t = this.types[id - this.startId];
    if (!t) throw new BtfError(`type id ${id} out of range`);
    return t;
  }

  /** The first id of a type with this name (and kind, if given), searching the base first. */
  findByName(name: string, kind?: BtfKindName): number | undefined {
    const inBase = this.base?.findByName(name, kind);
    if (inBase !== undefined) return inBase;
    if (!this.byName) {
      this.byName = new Map();
      this.types.forEach((t, i) => {
        if (!t.name) return;
        const ids = this.byName!.get(t.name);
        if (ids) ids.push(this.startId + i);
        else this.byName!.set(t.name, [this.startId + i]);
      });
    }
    const ids = this.byName.get(name);
    if (!ids) return undefined;
    if (!kind) return ids[0];
    return ids.find((id) => this.type(id).kind === kind);
  }

  /** Follows typedefs and modifiers (const, volatile, restrict, type tags) to the underlying id. */
  skipModsAndTypedefs(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.type(id);
      switch (t.kind) {
        case 'TYPEDEF':
        case 'VOLATILE':
        case 'CONST':
        case 'RESTRICT':
        case 'TYPE_TAG':
          id = t.type;
          break;
        default:
          return id;
      }
    }
    throw new BtfError(`type id ${id}: modifier chain too long`);
  }

  /** Alignment in bytes of a type (libbpf btf__align_of semantics). */
  alignof(id: number): number {
    return alignofType(this, id);
  }

  /** Size in bytes after following modifiers, typedefs, arrays and VARs (btf__resolve_size). */
  resolveSize(id: number): number {
    return resolveSize(this, id);
  }

  /** What lies at `byteOffset` of struct/union `id` (see queries.ts memberAt). */
  memberAt(id: number, byteOffset: number, size = 1): MemberAt | undefined {
    return memberAtOffset(this, id, byteOffset, size);
  }

  /** Size in bytes of a type (resolving modifiers, typedefs and arrays). */
  sizeof(id: number): number {
    const t = this.type(this.skipModsAndTypedefs(id));
    switch (t.kind) {
      case 'INT':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'FLOAT':
      case 'DATASEC':
        return t.size;
      case 'PTR':
        return 8;
      case 'ARRAY':
        return t.nelems * this.sizeof(t.type);
      default:
        throw new BtfError(`type id ${id} (${t.kind}) has no size`);
    }
  }
}
