import type { AddressSpace } from '@tsbpf/bpf-vm';
import type { StructLayout } from '../types/layout.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A typed view of one kernel object: fields by name, bytes in kernel memory. */
export class KObj {
  constructor(
    readonly mem: AddressSpace,
    readonly layout: StructLayout,
    readonly addr: bigint,
  ) {}

  get type(): string {
    return this.layout.name;
  }

  offsetOf(field: string): number {
    return this.layout.offsetOf(field);
  }

  addrOf(field: string): bigint {
    return this.addr + BigInt(this.layout.offsetOf(field));
  }

  /** Reads an integer or pointer field (unsigned, or sign-extended for signed ints). */
  get(field: string): bigint {
    const f = this.layout.field(field);
    if (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) {
      throw new Error(`${this.type}.${field}: ${f.kind} of ${f.size} bytes is not a scalar`);
    }
    const v = this.mem.load(this.addr + BigInt(f.offset), f.size);
    return f.signed ? BigInt.asIntN(f.size * 8, v) : v;
  }

  getNumber(field: string): number {
    return Number(this.get(field));
  }

  set(field: string, value: bigint | number): void {
    const f = this.layout.field(field);
    if (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) {
      throw new Error(`${this.type}.${field}: ${f.kind} of ${f.size} bytes is not a scalar`);
    }
    this.mem.store(this.addr + BigInt(f.offset), f.size, BigInt.asUintN(64, BigInt(value)));
  }

  /** A char array field as a string (up to the first NUL). */
  getString(field: string): string {
    const f = this.layout.field(field);
    const bytes = this.mem.readBytes(this.addr + BigInt(f.offset), f.size);
    const nul = bytes.indexOf(0);
    return dec.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
  }

  /** Stores a string into a char array field, truncated to size-1 and NUL-padded (strscpy_pad). */
  setString(field: string, s: string): void {
    const f = this.layout.field(field);
    const out = new Uint8Array(f.size);
    out.set(enc.encode(s).subarray(0, f.size - 1));
    this.mem.writeBytes(this.addr + BigInt(f.offset), out);
  }
}
