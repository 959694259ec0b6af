/**
 * bpf maps: struct bpf_map in kernel memory, values in kernel memory too (an
 * array map's values are one region, a hash map's elements one region each),
 * so a program's map_lookup_elem returns a real address.
 */
import {
  BPF_ANY,
  BPF_EXIST,
  BPF_F_LOCK,
  BPF_F_MMAPABLE,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  BPF_NOEXIST,
  BpfError,
  BpfMapType,
  type MapCreateAttr,
} from '@tsbpf/uapi';
import type { KObj } from '../mm/kobj.js';

export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_INNER_MAP = 1 << 12;
export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;
/** MAX_BPF_STACK */
const MAX_BPF_STACK = 512;
/** KMALLOC_MAX_SIZE on x86_64 (order-10 pages). */
const KMALLOC_MAX_SIZE = 4096 << 10;

/** What a map needs from the kernel. */
export interface MapHost {
  allocBytes(size: number, name: string): bigint;
  freeBytes(addr: bigint): void;
  readBytes(addr: bigint, len: number): Uint8Array;
  writeBytes(addr: bigint, data: Uint8Array): void;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export abstract class BpfMap {
  id = 0;
  refcnt = 1;
  usercnt = 1;
  frozen = false;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  /** Pin paths and the creating attr are kept for persistence. */
  readonly attr: MapCreateAttr;

  constructor(
    readonly host: MapHost,
    readonly obj: KObj,
    attr: MapCreateAttr,
  ) {
    this.attr = attr;
    this.type = attr.map_type;
    this.keySize = attr.key_size;
    this.valueSize = attr.value_size;
    this.maxEntries = attr.max_entries;
    this.flags = attr.map_flags ?? 0;
    this.name = attr.map_name ?? '';
    this.btfKeyTypeId = attr.btf_key_type_id ?? 0;
    this.btfValueTypeId = attr.btf_value_type_id ?? 0;
    obj.set('map_type', this.type);
    obj.set('key_size', this.keySize);
    obj.set('value_size', this.valueSize);
    obj.set('max_entries', this.maxEntries);
    obj.set('map_flags', this.flags);
    obj.set('map_extra', attr.map_extra ?? 0n);
    obj.setString('name', this.name);
    obj.set('refcnt.counter', 1);
    obj.set('usercnt.counter', 1);
  }

  get addr(): bigint {
    return this.obj.addr;
  }

  setId(id: number): void {
    this.id = id;
    this.obj.set('id', id);
  }

  freeze(): void {
    this.frozen = true;
    this.obj.set('frozen', 1);
  }

  /** Address of the value for a key, or undefined (map_lookup_elem, as programs see it). */
  abstract lookupAddr(key: Uint8Array): bigint | undefined;
  /** map_update_elem; throws BpfError. */
  abstract update(key: Uint8Array, value: Uint8Array, flags: number): void;
  /** map_delete_elem; throws BpfError. */
  abstract delete(key: Uint8Array): void;
  /** map_get_next_key: undefined key means the first. Throws ENOENT after the last. */
  abstract nextKey(key: Uint8Array | undefined): Uint8Array;
  /** Releases kernel memory. */
  abstract free(): void;

  lookup(key: Uint8Array): Uint8Array | undefined {
    const a = this.lookupAddr(key);
    return a === undefined ? undefined : this.host.readBytes(a, this.valueSize);
  }

  /** All (key, value) pairs in iteration order (for persistence and iterators). */
  entries(): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    let k: Uint8Array | undefined;
    for (;;) {
      try {
        k = this.nextKey(k);
      } catch {
        return out;
      }
      const v = this.lookup(k);
      if (v) out.push([k, v]);
    }
  }

  protected checkUpdateFlags(flags: number): void {
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST) throw new BpfError('EINVAL');
    if (flags & BPF_F_LOCK) throw new BpfError('EINVAL'); // no bpf_spin_lock in our values
  }
}

/** BPF_MAP_TYPE_ARRAY */
export class ArrayMap extends BpfMap {
  readonly elemSize: number;
  readonly values: bigint;
  constructor(host: MapHost, obj: KObj, attr: MapCreateAttr) {
    super(host, obj, attr);
    this.elemSize = Math.ceil(this.valueSize / 8) * 8;
    this.values = host.allocBytes(this.elemSize * this.maxEntries, `array_map ${this.name}`);
  }
  private index(key: Uint8Array): number {
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }
  lookupAddr(key: Uint8Array): bigint | undefined {
    const i = this.index(key);
    if (i >= this.maxEntries) return undefined;
    return this.values + BigInt(i * this.elemSize);
  }
  update(key: Uint8Array, value: Uint8Array, flags: number): void {
    this.checkUpdateFlags(flags);
    const i = this.index(key);
    if (i >= this.maxEntries) throw new BpfError('E2BIG');
    if (flags === BPF_NOEXIST) throw new BpfError('EEXIST');
    this.host.writeBytes(this.values + BigInt(i * this.elemSize), value.subarray(0, this.valueSize));
  }
  delete(): void {
    throw new BpfError('EINVAL');
  }
  nextKey(key: Uint8Array | undefined): Uint8Array {
    const i = key === undefined ? -1 : this.index(key);
    const next = i >= this.maxEntries || i < 0 ? 0 : i + 1;
    if (key !== undefined && i === this.maxEntries - 1) throw new BpfError('ENOENT');
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, next, true);
    return out;
  }
  free(): void {
    this.host.freeBytes(this.values);
  }
}

/** BPF_MAP_TYPE_HASH: elements kept in insertion order (a fixed, deterministic bucket walk). */
export class HashMap extends BpfMap {
  private elems = new Map<string, { key: Uint8Array; addr: bigint }>();
  update(key: Uint8Array, value: Uint8Array, flags: number): void {
    this.checkUpdateFlags(flags);
    const k = key.slice(0, this.keySize);
    const id = hex(k);
    const have = this.elems.get(id);
    if (have && flags === BPF_NOEXIST) throw new BpfError('EEXIST');
    if (!have && flags === BPF_EXIST) throw new BpfError('ENOENT');
    if (have) {
      this.host.writeBytes(have.addr, value.subarray(0, this.valueSize));
      return;
    }
    if (this.elems.size >= this.maxEntries) throw new BpfError('E2BIG');
    const addr = this.host.allocBytes(this.valueSize, `htab_elem ${this.name}`);
    this.host.writeBytes(addr, value.subarray(0, this.valueSize));
    this.elems.set(id, { key: k, addr });
  }
  lookupAddr(key: Uint8Array): bigint | undefined {
    return this.elems.get(hex(key.subarray(0, this.keySize)))?.addr;
  }
  delete(key: Uint8Array): void {
    const id = hex(key.subarray(0, this.keySize));
    const e = this.elems.get(id);
    if (!e) throw new BpfError('ENOENT');
    this.host.freeBytes(e.addr);
    this.elems.delete(id);
  }
  nextKey(key: Uint8Array | undefined): Uint8Array {
    const keys = [...this.elems.values()];
    if (key === undefined) {
      const first = keys[0];
      if (!first) throw new BpfError('ENOENT');
      return first.key.slice();
    }
    const id = hex(key.subarray(0, this.keySize));
    const i = keys.findIndex((e) => hex(e.key) === id);
    const next = keys[i < 0 ? 0 : i + 1];
    if (!next) throw new BpfError('ENOENT');
    return next.key.slice();
  }
  free(): void {
    for (const e of this.elems.values()) this.host.freeBytes(e.addr);
    this.elems.clear();
  }
}

/** map_alloc_check of each supported map type; throws BpfError. */
export function checkMapCreate(attr: MapCreateAttr): void {
  const flags = attr.map_flags ?? 0;
  if (
    (flags & BPF_F_RDONLY_PROG && flags & BPF_F_WRONLY_PROG) ||
    (flags & BPF_F_RDONLY && flags & BPF_F_WRONLY)
  ) {
    throw new BpfError('EINVAL', undefined, { syscall: 'BPF_MAP_CREATE' });
  }
  switch (attr.map_type) {
    case BpfMapType.BPF_MAP_TYPE_ARRAY: {
      const ok =
        BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
      if (attr.max_entries === 0 || attr.key_size !== 4 || attr.value_size === 0 || flags & ~ok) {
        throw new BpfError('EINVAL', undefined, { syscall: 'BPF_MAP_CREATE' });
      }
      if (attr.value_size > KMALLOC_MAX_SIZE)
        throw new BpfError('E2BIG', undefined, { syscall: 'BPF_MAP_CREATE' });
      return;
    }
    case BpfMapType.BPF_MAP_TYPE_HASH: {
      const ok =
        BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
      if (flags & ~ok || flags & BPF_F_NO_COMMON_LRU) {
        throw new BpfError('EINVAL', undefined, { syscall: 'BPF_MAP_CREATE' });
      }
      if (attr.max_entries === 0 || attr.key_size === 0 || attr.value_size === 0) {
        throw new BpfError('EINVAL', undefined, { syscall: 'BPF_MAP_CREATE' });
      }
      if (attr.key_size > MAX_BPF_STACK || attr.key_size + attr.value_size >= KMALLOC_MAX_SIZE) {
        throw new BpfError('E2BIG', undefined, { syscall: 'BPF_MAP_CREATE' });
      }
      return;
    }
    default:
      throw new BpfError('EINVAL', `map type ${attr.map_type} is not supported`, {
        syscall: 'BPF_MAP_CREATE',
      });
  }
}

export { BPF_ANY };
