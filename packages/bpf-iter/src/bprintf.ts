/**
 * bpf_bprintf_prepare() and the bstr_printf() pass that bpf_seq_printf uses
 * (current rules, reference §3.2). Validation happens on every call: first
 * NUL within fmt_size, printable/white-space bytes only (kernel ctype),
 * conversions `%%`, flags `0 + - space`, width, `l`/`ll` + `d i u x X`, `%c`,
 * `%s`, `%pks`, `%pus`, `%p` `%pK` `%px` `%ps` `%pS` `%pB`, `%pi4 %pI4 %pi6
 * %pI6`, one argument per conversion. Strings, IP addresses and %pB text
 * are copied into a 512-byte scratch area (-ENOSPC when it runs out; strings
 * are truncated to what is left first).
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/kernel/bpf/helpers.c (bpf_bprintf_prepare)
 */
import type { AddressSpace } from '@tsbpf/bpf-vm';
import { ERRNO } from '@tsbpf/uapi';
import { isAlnum, isDigit, isPrint, isPunct, isSpace } from './ctype.js';
import {
  formatNumber,
  hashedPointerString,
  hashPointer,
  ip4String,
  ip6String,
  type PrintfSpec,
  pointerString,
  type Symbolizer,
  sprintSymbol,
  widen,
} from './vsprintf.js';

/** Size of the per-call scratch area for converted arguments. */
export const MAX_BPRINTF_BIN_ARGS = 512;
/** Largest argument count (data_len / 8). */
export const MAX_BPRINTF_VARARGS = 12;
/** Nesting of the per-CPU bprintf buffers before -EBUSY. */
export const MAX_BPRINTF_NEST_LEVEL = 3;
/** x86_64 TASK_SIZE (4-level paging): %s reads addresses below it as user memory. */
export const TASK_SIZE = 0x7ffffffff000n;

/** The per-CPU buffer nesting counter (try_get_buffers / bpf_bprintf_cleanup). */
export class BprintfBuffers {
  level = 0;
  tryGet(): boolean {
    if (this.level + 1 > MAX_BPRINTF_NEST_LEVEL) return false;
    this.level++;
    return true;
  }
  put(): void {
    if (this.level > 0) this.level--;
  }
}

const defaultBuffers = new BprintfBuffers();

export interface BprintfEnv {
  /** Kernel memory (strncpy_from_kernel_nofault, copy_from_kernel_nofault). */
  memory: AddressSpace;
  /** The current task's user memory, for %pus and %s of user addresses; reads fail without it. */
  userMemory?: AddressSpace;
  /** kallsyms for %ps %pS %pB; without it every address prints as 0x... */
  symbolize?: Symbolizer;
  /** /proc/sys/kernel/kptr_restrict for %pK: 0 hashed (default), 1 raw (the opener is root), 2 zeros. */
  kptrRestrict?: 0 | 1 | 2;
  /** %p hashing; defaults to tsbpf's fixed-key hash (see hashPointer). */
  hashPointer?: (addr: bigint) => bigint;
  buffers?: BprintfBuffers;
}

type Piece =
  | { kind: 'text'; start: number; end: number }
  | {
      kind: 'num';
      spec: PrintfSpec;
      value: bigint;
      signed: boolean;
      bits: 32 | 64;
      upper: boolean;
      hex: boolean;
    }
  | { kind: 'str'; spec: PrintfSpec; text: Uint8Array }
  | { kind: 'char'; spec: PrintfSpec; value: number }
  | { kind: 'raw'; text: Uint8Array } // pre-formatted %pks %pus %pI* %pB: no width
  | { kind: 'ptr'; spec: PrintfSpec; type: 'p' | 'K' | 'x' | 's' | 'S'; value: bigint };

/** A validated format with its converted arguments, ready to print. */
export interface PreparedPrintf {
  pieces: Piece[];
  fmt: Uint8Array;
}

const enc = new TextEncoder();

function readString(
  env: BprintfEnv,
  addr: bigint,
  type: 's' | 'k' | 'u',
  max: number,
): Uint8Array | undefined {
  // bpf_trace_copy_string(): %s picks user memory below TASK_SIZE on x86.
  const user = type === 'u' || (type === 's' && addr < TASK_SIZE);
  const mem = user ? env.userMemory : env.memory;
  if (!mem) return undefined;
  if (!user && addr < TASK_SIZE) return undefined; // copy_from_kernel_nofault_allowed()
  const bytes = mem.readCString(addr, max - 1);
  if (!bytes) return undefined;
  if (bytes.length < max - 1) {
    // readCString stops at the region end: a missing NUL there is a fault.
    const r = mem.find(addr + BigInt(bytes.length), 1);
    if (!r) return undefined;
  }
  return bytes;
}

function copyKernel(env: BprintfEnv, addr: bigint, len: number): Uint8Array | undefined {
  if (addr < TASK_SIZE) return undefined;
  try {
    return env.memory.readBytes(addr, len);
  } catch {
    return undefined;
  }
}

/**
 * bpf_bprintf_prepare(): validates `fmt` (the fmt_size bytes the program
 * passed) against `args` (data_len / 8 values) and converts the arguments.
 * Returns a negative errno or the prepared format.
 */
export function bpfBprintfPrepare(
  fmtBytes: Uint8Array,
  args: readonly bigint[],
  env: BprintfEnv,
): number | PreparedPrintf {
  const nul = fmtBytes.indexOf(0);
  if (nul < 0) return -ERRNO.EINVAL;
  const fmt = fmtBytes.subarray(0, nul);
  const fmtSize = fmt.length;
  const at = (i: number): number => (i < fmtSize ? fmt[i]! : 0);
  const numArgs = args.length;
  const buffers = env.buffers ?? defaultBuffers;
  const getBuffers = numArgs > 0;
  if (getBuffers && !buffers.tryGet()) return -ERRNO.EBUSY;
  try {
    return prepare();
  } finally {
    if (getBuffers) buffers.put();
  }

  function prepare(): number | PreparedPrintf {
    const pieces: Piece[] = [];
    let tmp = 0; // bytes of scratch used
    const end = MAX_BPRINTF_BIN_ARGS;
    let numSpec = 0;
    let textStart = 0;
    const flushText = (upTo: number) => {
      if (upTo > textStart) pieces.push({ kind: 'text', start: textStart, end: upTo });
    };
    const reserveArg = (size: 4 | 8): boolean => {
      tmp = (tmp + 3) & ~3;
      if (end - tmp < size) return false;
      tmp += size;
      return true;
    };
    /** Stores a string with snprintf-style truncation; advances by its full length + 1. */
    const storeFormatted = (text: string): Uint8Array => {
      const b = enc.encode(text);
      const room = end - tmp;
      const kept = room <= 0 ? new Uint8Array(0) : b.subarray(0, Math.min(b.length, room - 1));
      tmp += b.length + 1;
      return kept;
    };

    for (let i = 0; i < fmtSize; i++) {
      const c = at(i);
      if (!isPrint(c) && !isSpace(c)) return -ERRNO.EINVAL;
      if (c !== 0x25) continue;
      const convStart = i;
      if (at(i + 1) === 0x25) {
        // "%%" prints one '%'.
        flushText(i + 1);
        i++;
        textStart = i + 1;
        continue;
      }
      if (numSpec >= numArgs) return -ERRNO.EINVAL;
      const arg = args[numSpec] ?? 0n;
      i++;
      const spec: PrintfSpec = { width: -1, left: false, plus: false, space: false, zeropad: false };
      for (;;) {
        const f = at(i);
        if (f === 0x30) spec.zeropad = true;
        else if (f === 0x2b) spec.plus = true;
        else if (f === 0x2d) spec.left = true;
        else if (f === 0x20) spec.space = true;
        else break;
        i++;
      }
      if (at(i) >= 0x31 && at(i) <= 0x39) {
        let w = 0;
        while (isDigit(at(i)) && at(i) < 0x80) {
          w = Math.min(w * 10 + (at(i) - 0x30), (1 << 23) - 1);
          i++;
        }
        spec.width = w;
      }
      flushText(convStart);
      const cc = at(i);
      if (cc === 0x70 /* p */) {
        const n1 = at(i + 1);
        const n2 = at(i + 2);
        if (n1 === 0 || isSpace(n1) || isPunct(n1)) {
          if (!reserveArg(8)) return -ERRNO.ENOSPC;
          pieces.push({ kind: 'ptr', spec, type: 'p', value: arg });
        } else if ((n1 === 0x6b || n1 === 0x75) && n2 === 0x73 /* ks us */) {
          i += 2;
          const after = at(i + 1);
          if (after !== 0 && !isSpace(after) && !isPunct(after)) return -ERRNO.EINVAL;
          const r = storeString(arg, n1 === 0x6b ? 'k' : 'u');
          if (typeof r === 'number') return r;
          pieces.push({ kind: 'raw', text: r });
        } else if (n1 === 0x4b || n1 === 0x78 || n1 === 0x73 || n1 === 0x53 /* K x s S */) {
          i++;
          if (!reserveArg(8)) return -ERRNO.ENOSPC;
          pieces.push({
            kind: 'ptr',
            spec,
            type: String.fromCharCode(n1) as 'K' | 'x' | 's' | 'S',
            value: arg,
          });
        } else if (n1 === 0x42 /* B */) {
          i++;
          pieces.push({ kind: 'raw', text: storeFormatted(sprintSymbol(arg, 'backtrace', env.symbolize)) });
        } else {
          if ((n1 !== 0x69 && n1 !== 0x49) || (n2 !== 0x34 && n2 !== 0x36)) return -ERRNO.EINVAL;
          i += 2;
          const len = n2 === 0x34 ? 4 : 16;
          if (end - tmp < len) return -ERRNO.ENOSPC;
          const ip = copyKernel(env, arg, len) ?? new Uint8Array(len);
          const text = len === 4 ? ip4String(ip, n1 === 0x69) : ip6String(ip, n1 === 0x49);
          pieces.push({ kind: 'raw', text: storeFormatted(text) });
        }
        // bstr_printf skips every alphanumeric character after the 'p'.
        let j = i + 1;
        while (isAlnum(at(j))) j++;
        textStart = j;
        numSpec++;
        continue;
      }
      if (cc === 0x73 /* s */) {
        const after = at(i + 1);
        if (after !== 0 && !isSpace(after) && !isPunct(after)) return -ERRNO.EINVAL;
        const r = storeString(arg, 's');
        if (typeof r === 'number') return r;
        pieces.push({ kind: 'str', spec, text: r });
        textStart = i + 1;
        numSpec++;
        continue;
      }
      if (cc === 0x63 /* c */) {
        if (end - tmp <= 0) return -ERRNO.ENOSPC;
        tmp += 1;
        pieces.push({ kind: 'char', spec, value: Number(arg & 0xffn) });
        textStart = i + 1;
        numSpec++;
        continue;
      }
      let bits: 32 | 64 = 32;
      if (at(i) === 0x6c /* l */) {
        bits = 64;
        i++;
      }
      if (at(i) === 0x6c) {
        bits = 64;
        i++;
      }
      const t = at(i);
      if (t !== 0x69 && t !== 0x64 && t !== 0x75 && t !== 0x78 && t !== 0x58) return -ERRNO.EINVAL;
      if (!reserveArg(bits === 64 ? 8 : 4)) return -ERRNO.ENOSPC;
      pieces.push({
        kind: 'num',
        spec,
        value: bits === 32 ? arg & 0xffffffffn : arg,
        signed: t === 0x69 || t === 0x64,
        bits,
        upper: t === 0x58,
        hex: t === 0x78 || t === 0x58,
      });
      textStart = i + 1;
      numSpec++;
    }
    flushText(fmtSize);
    return { pieces, fmt };

    function storeString(addr: bigint, type: 's' | 'k' | 'u'): Uint8Array | number {
      if (end - tmp <= 0) return -ERRNO.ENOSPC;
      const room = end - tmp;
      const s = readString(env, addr, type, room);
      if (!s) {
        tmp += 1;
        return new Uint8Array(0);
      }
      tmp += s.length + 1;
      return s;
    }
  }
}

/**
 * bstr_printf() of a prepared format. Output past `limit` bytes is not
 * produced (the caller only needs to know that it would not fit).
 */
export function bprintfFormat(
  p: PreparedPrintf,
  env: BprintfEnv,
  limit = Number.POSITIVE_INFINITY,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let len = 0;
  const push = (b: Uint8Array) => {
    if (len >= limit) return;
    parts.push(b);
    len += b.length;
  };
  const pushStr = (s: string) => push(enc.encode(s));
  const hash = env.hashPointer ?? hashPointer;
  for (const piece of p.pieces) {
    switch (piece.kind) {
      case 'text':
        push(p.fmt.subarray(piece.start, piece.end));
        break;
      case 'num':
        pushStr(
          formatNumber(
            piece.value,
            { signed: piece.signed, bits: piece.bits, base: piece.hex ? 16 : 10, upper: piece.upper },
            piece.spec,
          ),
        );
        break;
      case 'str': {
        const n = piece.spec.width - piece.text.length;
        if (n > 0 && !piece.spec.left) pushStr(' '.repeat(n));
        push(piece.text);
        if (n > 0 && piece.spec.left) pushStr(' '.repeat(n));
        break;
      }
      case 'char': {
        const n = piece.spec.width - 1;
        if (n > 0 && !piece.spec.left) pushStr(' '.repeat(n));
        push(Uint8Array.of(piece.value));
        if (n > 0 && piece.spec.left) pushStr(' '.repeat(n));
        break;
      }
      case 'raw':
        push(piece.text);
        break;
      case 'ptr':
        pushStr(formatPointer(piece.type, piece.value, piece.spec, env, hash));
        break;
    }
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function formatPointer(
  type: 'p' | 'K' | 'x' | 's' | 'S',
  value: bigint,
  spec: PrintfSpec,
  env: BprintfEnv,
  hash: (a: bigint) => bigint,
): string {
  switch (type) {
    case 'x':
      return pointerString(value, spec);
    case 's':
    case 'S':
      return widen(sprintSymbol(value, type === 's' ? 'name' : 'offset', env.symbolize), spec);
    case 'K': {
      const k = env.kptrRestrict ?? 0;
      if (k === 0) return hashedPointerString(value, spec, hash);
      return pointerString(k === 1 ? value : 0n, spec);
    }
    default:
      return hashedPointerString(value, spec, hash);
  }
}

/**
 * Validate and format in one step: the text, or a negative errno
 * (-EINVAL, -EBUSY, -ENOSPC). `args` is the u64 array (data_len / 8 values).
 */
export function bpfBprintf(fmt: Uint8Array, args: readonly bigint[], env: BprintfEnv): Uint8Array | number {
  const p = bpfBprintfPrepare(fmt, args, env);
  if (typeof p === 'number') return p;
  return bprintfFormat(p, env);
}
