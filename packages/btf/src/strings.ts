import { BtfError } from './btf.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * A BTF string section: NUL-terminated strings addressed by byte offset.
 * A split BTF's offsets continue after its base's section (`startOff`).
 */
export class StringSection {
  private readonly cache = new Map<number, string>();
  private index: Map<string, number> | undefined;

  constructor(
    readonly bytes: Uint8Array,
    readonly startOff = 0,
    readonly base?: StringSection,
  ) {}

  /** One past the last valid offset (base included). */
  get endOff(): number {
    return this.startOff + this.bytes.length;
  }

  /** True when `off` starts inside this section (or its base). */
  has(off: number): boolean {
    return off >= 0 && off < this.endOff;
  }

  /** The string at `off`. Throws BtfError when the offset is outside the section or unterminated. */
  get(off: number): string {
    if (off < this.startOff) {
      if (!this.base) throw new BtfError(`string offset ${off} outside the string section`);
      return this.base.get(off);
    }
    const cached = this.cache.get(off);
    if (cached !== undefined) return cached;
    const b = this.bytes;
    const start = off - this.startOff;
    if (start >= b.length) throw new BtfError(`string offset ${off} outside the string section`);
    const end = b.indexOf(0, start);
    if (end < 0) throw new BtfError(`string at offset ${off} is not NUL-terminated`);
    let s = '';
    if (end > start) {
      // Fast path for ASCII names (almost all of BTF).
      let ascii = end - start < 64;
      if (ascii) {
        for (let i = start; i < end; i++) {
          const c = b[i]!;
          if (c >= 0x80) {
            ascii = false;
            break;
          }
          s += String.fromCharCode(c);
        }
      }
      if (!ascii) s = decoder.decode(b.subarray(start, end));
    }
    this.cache.set(off, s);
    return s;
  }

  /** The first offset (own section, base first) holding exactly `s`, if any. */
  find(s: string): number | undefined {
    const inBase = this.base?.find(s);
    if (inBase !== undefined) return inBase;
    if (!this.index) {
      const idx = new Map<string, number>();
      const b = this.bytes;
      let p = 0;
      while (p < b.length) {
        let e = b.indexOf(0, p);
        if (e < 0) e = b.length;
        const str = this.get(this.startOff + p);
        if (!idx.has(str)) idx.set(str, this.startOff + p);
        p = e + 1;
      }
      this.index = idx;
    }
    return this.index.get(s);
  }
}

const encoder = new TextEncoder();

/**
 * Builds a string section for encoding: starts from an existing section's
 * bytes (kept verbatim for byte-identical output) and appends new strings,
 * deduplicated like libbpf's strset.
 */
export class StringBuilder {
  private readonly chunks: Uint8Array[] = [];
  private len = 0;
  private readonly added = new Map<string, number>();

  constructor(
    private readonly existing: StringSection | undefined,
    readonly startOff: number,
    private readonly base?: StringSection,
  ) {
    if (existing) {
      this.chunks.push(existing.bytes);
      this.len = existing.bytes.length;
    } else if (startOff === 0) {
      this.chunks.push(new Uint8Array(1));
      this.len = 1;
      this.added.set('', 0);
    }
  }

  /** Offset of `s`, reusing `hint` when it already names `s`. */
  offsetOf(s: string, hint?: number): number {
    if (s === '') {
      if (hint !== undefined && this.strAt(hint) === '') return hint;
      return 0;
    }
    if (hint !== undefined && hint !== 0 && this.strAt(hint) === s) return hint;
    const found = this.base?.find(s) ?? this.existing?.find(s) ?? this.added.get(s);
    if (found !== undefined) return found;
    const bytes = encoder.encode(s);
    const off = this.startOff + this.len;
    const chunk = new Uint8Array(bytes.length + 1);
    chunk.set(bytes);
    this.chunks.push(chunk);
    this.len += chunk.length;
    this.added.set(s, off);
    return off;
  }

  private strAt(off: number): string | undefined {
    try {
      if (off < this.startOff) return this.base?.get(off);
      if (this.existing?.has(off)) return this.existing.get(off);
    } catch {
      return undefined;
    }
    return undefined;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.len);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}
