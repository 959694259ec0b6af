/**
 * The kernel heap: slab-like allocations at kernel-looking addresses
 * (direct map, 0xffff888100000000 upward), each object its own Region
 * named after its type, so a stray access faults instead of reading a
 * neighbour.
 */
import { type AddressSpace, Region } from '@tsbpf/bpf-vm';

export const KERNEL_HEAP_BASE = 0xffff888100000000n;
/** Gap left after each object so that off-by-one reads fault. */
const REDZONE = 8n;

export class KernelHeap {
  private next = KERNEL_HEAP_BASE;
  private live = new Map<bigint, Region>();

  constructor(readonly mem: AddressSpace) {}

  /** Allocates `size` zeroed bytes (8-aligned; 64-aligned from 64 bytes up, like kmalloc caches). */
  alloc(size: number, name: string, writable = true): bigint {
    const align = size >= 64 ? 64n : 8n;
    const start = (this.next + align - 1n) & ~(align - 1n);
    const region = new Region(name, start, new Uint8Array(Math.max(size, 1)), writable);
    this.mem.map(region);
    this.live.set(start, region);
    this.next = start + BigInt(Math.max(size, 1)) + REDZONE;
    return start;
  }

  /** Frees an allocation made by alloc (kfree). Throws on a bad address (a kernel bug). */
  free(addr: bigint): void {
    const r = this.live.get(addr);
    if (!r) throw new Error(`kfree of unallocated address 0x${addr.toString(16)}`);
    this.mem.unmap(r);
    this.live.delete(addr);
  }

  region(addr: bigint): Region | undefined {
    return this.live.get(addr);
  }

  get liveCount(): number {
    return this.live.size;
  }
}
