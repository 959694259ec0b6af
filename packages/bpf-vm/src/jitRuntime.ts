/**
 * What compiled programs call outside their inline fast paths: memory
 * accesses that miss the per-site region cache, atomics, 64-bit division,
 * helper calls, and fault construction. Registers are int32 (hi, lo) pairs
 * in compiled code; a second result word comes back in `th`.
 */
import { MAX_CALL_FRAMES } from '@tsbpf/uapi';
import type { HelperFn, HelperTable, VmFaultKind } from './engine.js';
import { VmFault } from './engine.js';
import type { AddressSpace, Region } from './memory.js';
import { MemoryFault } from './memory.js';

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;

/**
 * A monomorphic inline cache of one load/store site: the last region it hit.
 * `m` is the largest valid offset (region length - access size), -1 when empty.
 */
export interface SiteCache {
  /** High word of the region start, as int32. */
  h: number;
  /** Low word of the region start, unsigned. */
  l: number;
  m: number;
  view: DataView;
  bytes: Uint8Array;
  region: Region | undefined;
}

const NO_BYTES = new Uint8Array(8);
const NO_VIEW = new DataView(NO_BYTES.buffer);

export function newSiteCache(): SiteCache {
  return { h: 0, l: 0, m: -1, view: NO_VIEW, bytes: NO_BYTES, region: undefined };
}

/** Words per saved frame: return pc, r6..r10 as (hi, lo). */
export const FRAME_WORDS = 11;

/** Small values as preallocated BigInts: most helper arguments are small. */
const SMALL: bigint[] = Array.from({ length: 1024 }, (_, k) => BigInt(k));

/** A 64-bit scratch word seen as two int32 words (little-endian hosts) to convert without shifts. */
const WORD64 = new BigUint64Array(1);
const WORDS = new Int32Array(WORD64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function toBig(h: number, l: number): bigint {
  if (h === 0 && l >= 0 && l < 1024) return SMALL[l]!;
  if (LITTLE_ENDIAN) {
    WORDS[0] = l;
    WORDS[1] = h;
    return WORD64[0]!;
  }
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}

export class JitRuntime {
  mem!: AddressSpace;
  runContext: unknown;
  /** Second result word of the last call (high word of a 64-bit value). */
  th = 0;
  /** Remaining budget at the last exit (budget mode only). */
  left = 0;
  readonly frames = new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS);
  readonly caches: SiteCache[];
  /** A cache no site reads (for accesses whose value is discarded). */
  readonly scratch = newSiteCache();

  constructor(
    sites: number,
    readonly helpers: HelperTable,
    readonly helperFns: (HelperFn | undefined)[],
  ) {
    this.caches = Array.from({ length: sites }, newSiteCache);
  }

  private stack: Region | undefined;
  private stackSites: readonly number[] = [];

  /** Starts a run on `stack`: sites based on r10 start cached on it. */
  setStack(stack: Region, stackSites: readonly number[]): void {
    this.stack = stack;
    this.stackSites = stackSites;
    this.invalidate();
  }

  /**
   * Keeps only the cached regions still mapped in `mem` (a new run, or a
   * helper may have unmapped one): each distinct region is looked up once.
   */
  invalidate(): void {
    const c = this.caches;
    let ok: Region | undefined;
    let bad: Region | undefined;
    for (let i = 0; i < c.length; i++) {
      const s = c[i]!;
      const r = s.region;
      if (!r || r === ok) continue;
      if (r !== bad && this.mem.find(r.start, r.bytes.length) === r) ok = r;
      else {
        bad = r;
        s.m = -1;
        s.region = undefined;
      }
    }
    const stack = this.stack;
    if (!stack) return;
    const ss = this.stackSites;
    for (let i = 0; i < ss.length; i += 2) this.setRegion(c[ss[i]!]!, stack, ss[i + 1]!);
  }

  private setRegion(c: SiteCache, r: Region, size: number): void {
    c.h = Number(r.start >> 32n) | 0;
    c.l = Number(r.start & M32);
    c.m = r.bytes.length - size;
    c.view = r.view;
    c.bytes = r.bytes;
    c.region = r;
  }

  fault(kind: VmFaultKind, pc: number, message: string, cause?: unknown): VmFault {
    return new VmFault(kind, pc, message, cause === undefined ? undefined : { cause });
  }

  u64(h: number, l: number): bigint {
    return toBig(h, l);
  }

  /** Splits a u64 into (th, return value). */
  split(v: bigint): number {
    if (LITTLE_ENDIAN) {
      WORD64[0] = v;
      this.th = WORDS[1]!;
      return WORDS[0]!;
    }
    if (v <= M32) {
      this.th = 0;
      return Number(v) | 0;
    }
    this.th = Number(v >> 32n) | 0;
    return Number(v & M32) | 0;
  }

  private addr(h: number, l: number, off: number): bigint {
    return (toBig(h, l) + BigInt(off)) & M64;
  }

  private fill(c: SiteCache, addr: bigint, size: number, write: boolean): void {
    const r = this.mem.find(addr, size);
    if (r && r.bytes.length > 0 && (r.writable || !write)) this.setRegion(c, r, size);
  }

  /** A load that missed the site cache. Returns the unsigned value's low word, high word in `th`. */
  ld(
    c: SiteCache,
    pc: number,
    h: number,
    l: number,
    off: number,
    size: 1 | 2 | 4 | 8,
    probe: boolean,
  ): number {
    const addr = this.addr(h, l, off);
    let v: bigint;
    try {
      v = this.mem.load(addr, size);
    } catch (err) {
      if (probe) {
        this.th = 0;
        return 0;
      }
      throw this.fault('memory', pc, (err as Error).message, err);
    }
    this.fill(c, addr, size, false);
    return this.split(v);
  }

  /** A store that missed the site cache. */
  st(
    c: SiteCache,
    pc: number,
    h: number,
    l: number,
    off: number,
    size: 1 | 2 | 4 | 8,
    vh: number,
    vl: number,
  ): void {
    const addr = this.addr(h, l, off);
    try {
      this.mem.store(addr, size, toBig(vh, vl));
    } catch (err) {
      throw this.fault('memory', pc, (err as Error).message, err);
    }
    this.fill(c, addr, size, true);
  }

  /**
   * An atomic read-modify-write as the interpreter does it: load, then
   * (maybe) store. Returns the old value (zero-extended) with its high word
   * in `th`; `sh, sl` is the source register, `h0, l0` r0 (for cmpxchg).
   */
  amo(
    pc: number,
    h: number,
    l: number,
    off: number,
    size: 4 | 8,
    op: number,
    sh: number,
    sl: number,
    h0: number,
    l0: number,
  ): number {
    const addr = this.addr(h, l, off);
    const mask = size === 8 ? M64 : M32;
    try {
      const old = this.mem.load(addr, size);
      const src = toBig(sh, sl) & mask;
      switch (op & ~1) {
        case 0x00:
          this.mem.store(addr, size, (old + src) & mask);
          break;
        case 0x40:
          this.mem.store(addr, size, old | src);
          break;
        case 0x50:
          this.mem.store(addr, size, old & src);
          break;
        case 0xa0:
          this.mem.store(addr, size, old ^ src);
          break;
        case 0xe0:
        case 0x110:
          this.mem.store(addr, size, src);
          break;
        case 0xf0:
          if ((toBig(h0, l0) & mask) === old) this.mem.store(addr, size, src);
          break;
        case 0x100:
          break;
        default:
          throw this.fault('invalid-insn', pc, `unknown atomic op ${op}`);
      }
      return this.split(old);
    } catch (err) {
      if (err instanceof VmFault) throw err;
      throw this.fault('memory', pc, (err as Error).message, err);
    }
  }

  /** Calls helper `fn` (`id` for the fault message) with r1..r5; returns r0's low word, high in `th`. */
  call(
    fn: HelperFn | undefined,
    id: number,
    pc: number,
    h1: number,
    l1: number,
    h2: number,
    l2: number,
    h3: number,
    l3: number,
    h4: number,
    l4: number,
    h5: number,
    l5: number,
  ): number {
    if (!fn) throw this.fault('unknown-helper', pc, `unknown helper ${id}`);
    let v: bigint;
    try {
      v = fn(
        { memory: this.mem, runContext: this.runContext, pc },
        toBig(h1, l1),
        toBig(h2, l2),
        toBig(h3, l3),
        toBig(h4, l4),
        toBig(h5, l5),
      );
    } catch (err) {
      if (err instanceof VmFault) throw err;
      if (err instanceof MemoryFault) throw this.fault('memory', pc, err.message, err);
      throw err;
    } finally {
      this.invalidate();
    }
    return this.split(v >= 0n && v <= M64 ? v : v & M64);
  }

  /** `callx`: a helper call whose id is a register's value. */
  callx(
    pc: number,
    idh: number,
    idl: number,
    h1: number,
    l1: number,
    h2: number,
    l2: number,
    h3: number,
    l3: number,
    h4: number,
    l4: number,
    h5: number,
    l5: number,
  ): number {
    const id = (idh >>> 0) * 4294967296 + (idl >>> 0);
    return this.call(this.helpers.get(id), id, pc, h1, l1, h2, l2, h3, l3, h4, l4, h5, l5);
  }

  /** 64-bit DIV (op 0x30) or MOD (0x90), unsigned or signed (off 1). Zero divisor as BPF defines. */
  divmod(op: number, signed: boolean, ah: number, al: number, bh: number, bl: number): number {
    if (bh === 0 && bl === 0) {
      if (op === 0x30) {
        this.th = 0;
        return 0;
      }
      this.th = ah;
      return al;
    }
    if (!signed && ah === 0 && bh === 0) {
      const a = al >>> 0;
      const b = bl >>> 0;
      this.th = 0;
      return (op === 0x30 ? Math.floor(a / b) : a % b) | 0;
    }
    if (signed && ah === al >> 31 && bh === bl >> 31) {
      // Both fit in int32: exact in doubles, including INT32_MIN / -1.
      const q = op === 0x30 ? Math.trunc(al / bl) : al % bl;
      this.th = q < 0 ? -1 : 0;
      return q | 0;
    }
    let a = toBig(ah, al);
    let b = toBig(bh, bl);
    if (signed) {
      a = BigInt.asIntN(64, a);
      b = BigInt.asIntN(64, b);
    }
    return this.split(BigInt.asUintN(64, op === 0x30 ? a / b : a % b));
  }
}

/** High word of the unsigned 64-bit product of two 32-bit words. */
export function mulhi(a: number, b: number): number {
  const bu = b >>> 0;
  const x = (a & 0xffff) * bu;
  const y = (a >>> 16) * bu;
  return Math.floor((y + Math.floor(x / 65536)) / 65536) | 0;
}
