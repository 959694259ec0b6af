/**
 * The memory interface shared by both engines, the verifier-driven probe
 * mode and the kernel model: a 64-bit address space made of regions with
 * bounds. Kernel objects, stacks, contexts, map values and global data all
 * live in regions, so a BPF load or store has one path.
 */

/** A fault raised by a memory access outside every region or into a read-only one. */
export class MemoryFault extends Error {
  override name = 'MemoryFault';
  constructor(
    readonly addr: bigint,
    readonly size: number,
    readonly access: 'read' | 'write',
  ) {
    super(`invalid ${access} of ${size} bytes at 0x${addr.toString(16)}`);
  }
}

/** One mapped range of the address space, backed by bytes. */
export class Region {
  readonly end: bigint;
  readonly view: DataView;

  constructor(
    /** What lives here, for diagnostics (`task_struct`, `stack`, `.rodata`). */
    readonly name: string,
    /** First address. */
    readonly start: bigint,
    /** The backing bytes; the region is exactly this long. */
    readonly bytes: Uint8Array,
    /** Whether BPF stores may write here. */
    readonly writable = true,
  ) {
    this.end = start + BigInt(bytes.length);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Byte offset of `addr` in this region when [addr, addr+size) fits, else -1. */
  offsetOf(addr: bigint, size: number): number {
    if (addr < this.start || addr + BigInt(size) > this.end) return -1;
    return Number(addr - this.start);
  }
}

const MASK64 = (1n << 64n) - 1n;

/** A sorted set of non-overlapping regions. */
export class AddressSpace {
  private regions: Region[] = [];
  private last: Region | undefined;

  /** Maps a region. Throws if it overlaps another (a bug in the caller). */
  map(region: Region): Region {
    const i = this.indexAfter(region.start);
    const before = this.regions[i - 1];
    const after = this.regions[i];
    if ((before && before.end > region.start) || (after && after.start < region.end)) {
      throw new Error(`region ${region.name} at 0x${region.start.toString(16)} overlaps an existing region`);
    }
    this.regions.splice(i, 0, region);
    return region;
  }

  /** Unmaps a region previously mapped. */
  unmap(region: Region): void {
    const i = this.indexAfter(region.start) - 1;
    if (this.regions[i] === region) this.regions.splice(i, 1);
    if (this.last === region) this.last = undefined;
  }

  /** All regions, by ascending address. */
  all(): readonly Region[] {
    return this.regions;
  }

  /** The region holding all of [addr, addr+size), or undefined. */
  find(addr: bigint, size = 1): Region | undefined {
    const last = this.last;
    if (last && addr >= last.start && addr + BigInt(size) <= last.end) return last;
    const i = this.indexAfter(addr) - 1;
    const r = this.regions[i];
    if (r && addr + BigInt(size) <= r.end && addr >= r.start) {
      this.last = r;
      return r;
    }
    return undefined;
  }

  /** Loads an unsigned little-endian value of 1, 2, 4 or 8 bytes. Throws MemoryFault. */
  load(addr: bigint, size: 1 | 2 | 4 | 8): bigint {
    const r = this.find(addr, size);
    if (!r) throw new MemoryFault(addr, size, 'read');
    const o = Number(addr - r.start);
    switch (size) {
      case 1:
        return BigInt(r.bytes[o]!);
      case 2:
        return BigInt(r.view.getUint16(o, true));
      case 4:
        return BigInt(r.view.getUint32(o, true));
      default:
        return r.view.getBigUint64(o, true);
    }
  }

  /** Stores the low `size` bytes of `value`, little-endian. Throws MemoryFault. */
  store(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    const r = this.find(addr, size);
    if (!r?.writable) throw new MemoryFault(addr, size, 'write');
    const o = Number(addr - r.start);
    switch (size) {
      case 1:
        r.bytes[o] = Number(value & 0xffn);
        break;
      case 2:
        r.view.setUint16(o, Number(value & 0xffffn), true);
        break;
      case 4:
        r.view.setUint32(o, Number(value & 0xffffffffn), true);
        break;
      default:
        r.view.setBigUint64(o, value & MASK64, true);
    }
  }

  /** Copies `len` bytes out of one region. Throws MemoryFault. */
  readBytes(addr: bigint, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const r = this.find(addr, len);
    if (!r) throw new MemoryFault(addr, len, 'read');
    const o = Number(addr - r.start);
    return r.bytes.slice(o, o + len);
  }

  /** Copies bytes into one writable region. Throws MemoryFault. */
  writeBytes(addr: bigint, data: Uint8Array): void {
    if (data.length === 0) return;
    const r = this.find(addr, data.length);
    if (!r?.writable) throw new MemoryFault(addr, data.length, 'write');
    r.bytes.set(data, Number(addr - r.start));
  }

  /**
   * Reads a NUL-terminated string of at most `max` bytes (NUL excluded), as
   * strncpy_from_kernel_nofault does; undefined when the first byte faults.
   * Stops at the end of the region holding `addr`.
   */
  readCString(addr: bigint, max = 4096): Uint8Array | undefined {
    const r = this.find(addr, 1);
    if (!r) return undefined;
    const o = Number(addr - r.start);
    const limit = Math.min(r.bytes.length, o + max);
    let e = o;
    while (e < limit && r.bytes[e] !== 0) e++;
    return r.bytes.slice(o, e);
  }

  private indexAfter(addr: bigint): number {
    let lo = 0;
    let hi = this.regions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.regions[mid]!.start <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
