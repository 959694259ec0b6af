/**
 * The parts of the kernel's lib/vsprintf.c that bpf_seq_printf output goes
 * through: number() with width and the 0 + - space flags (no precision, no
 * '#': the bprintf parser rejects them), string padding, %c, pointer_string,
 * hashed pointers and the IPv4/IPv6 formats.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/lib/vsprintf.c
 */

export interface PrintfSpec {
  /** -1 when absent. */
  width: number;
  left: boolean;
  plus: boolean;
  space: boolean;
  zeropad: boolean;
}

export const NO_SPEC: PrintfSpec = { width: -1, left: false, plus: false, space: false, zeropad: false };

const MASK64 = (1n << 64n) - 1n;

function pad(n: number, ch = ' '): string {
  return n > 0 ? ch.repeat(n) : '';
}

/**
 * number(): `value` is the raw argument (unsigned, already truncated to the
 * conversion's size); `signed` for %d/%i; `bits` 32 or 64.
 */
export function formatNumber(
  value: bigint,
  opts: { signed: boolean; bits: 32 | 64; base: 10 | 16; upper?: boolean },
  spec: PrintfSpec,
): string {
  const mask = opts.bits === 32 ? 0xffffffffn : MASK64;
  let num = value & mask;
  let sign = '';
  if (opts.signed) {
    const top = 1n << BigInt(opts.bits - 1);
    if (num & top) {
      sign = '-';
      num = (mask + 1n - num) & mask;
      if (num === 0n) num = top;
    } else if (spec.plus) sign = '+';
    else if (spec.space) sign = ' ';
  }
  let digits = num.toString(opts.base);
  if (opts.upper) digits = digits.toUpperCase();
  const zeropad = spec.zeropad && !spec.left;
  let size = spec.width - sign.length - digits.length;
  let out = '';
  if (!spec.left && !zeropad) {
    out += pad(size);
    size = 0;
  }
  out += sign;
  if (!spec.left) {
    out += pad(size, zeropad ? '0' : ' ');
    size = 0;
  }
  out += digits;
  out += pad(size);
  return out;
}

/** widen_string(): strings and %c pad with blanks only (the 0 flag does not apply). */
export function widen(text: string, spec: PrintfSpec): string {
  const n = spec.width - text.length;
  if (n <= 0) return text;
  return spec.left ? text + pad(n) : pad(n) + text;
}

/** pointer_string(): 16 zero-padded hex digits unless a width was given. */
export function pointerString(addr: bigint, spec: PrintfSpec): string {
  const s = spec.width === -1 ? { ...spec, width: 16, zeropad: true } : spec;
  return formatNumber(addr, { signed: false, bits: 64, base: 16 }, s);
}

/**
 * The hashed value of a %p pointer. Linux hashes with siphash and a key
 * drawn at boot and keeps the low 32 bits, so values differ per boot. tsbpf
 * uses a fixed-key 64-bit mix (splitmix64 finalizer) and keeps 32 bits the
 * same way: deterministic across runs, never equal to Linux's value.
 */
export function hashPointer(addr: bigint, key = 0x9e3779b97f4a7c15n): bigint {
  let z = (addr ^ key) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z = z ^ (z >> 31n);
  return z & 0xffffffffn;
}

/** IS_ERR_OR_NULL() for a 64-bit pointer value. */
export function isErrOrNull(addr: bigint): boolean {
  return addr === 0n || addr >= MASK64 - 4094n;
}

/** ptr_to_id(): %p. NULL and error pointers print raw. */
export function hashedPointerString(addr: bigint, spec: PrintfSpec, hash = hashPointer): string {
  return pointerString(isErrOrNull(addr) ? addr : hash(addr), spec);
}

/** %pI4 / %pi4. */
export function ip4String(bytes: Uint8Array, padded: boolean): string {
  return Array.from(bytes.subarray(0, 4), (b) => (padded ? String(b).padStart(3, '0') : String(b))).join('.');
}

/** %pI6 (colon groups, uncompressed) / %pi6 (32 hex digits). */
export function ip6String(bytes: Uint8Array, colons: boolean): string {
  const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  if (!colons) return hex;
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
  return groups.join(':');
}

/** A kernel symbol, as kallsyms_lookup reports it. */
export interface KSymbol {
  name: string;
  /** Start address. */
  start: bigint;
  size: bigint;
  module?: string;
}

export type Symbolizer = (addr: bigint) => KSymbol | undefined;

/**
 * __sprint_symbol(): "name", "name+0xoff/0xsize" (with offset) plus
 * " [module]"; an address without a symbol prints as "0x%lx". For %pB
 * (backtrace) the lookup uses addr - 1 and the offset is printed + 1.
 */
export function sprintSymbol(
  addr: bigint,
  mode: 'name' | 'offset' | 'backtrace',
  symbolize: Symbolizer | undefined,
): string {
  const symbolOffset = mode === 'backtrace' ? -1n : 0n;
  const look = (addr + symbolOffset) & MASK64;
  const sym = symbolize?.(look);
  if (!sym || look < sym.start || look >= sym.start + (sym.size === 0n ? 1n : sym.size)) {
    return `0x${addr.toString(16)}`;
  }
  let s = sym.name;
  if (mode !== 'name') s += `+0x${(look - sym.start - symbolOffset).toString(16)}/0x${sym.size.toString(16)}`;
  if (sym.module) s += ` [${sym.module}]`;
  return s;
}
