/**
 * What the kernel does with BPF_BTF_LOAD: btf_parse() of kernel/bpf/btf.c,
 * reimplemented over the raw bytes: header and section checks, the
 * string section, per-type meta checks (pass 1), type resolution with loop
 * and size checks (pass 2), function prototypes and type-tag chains. It
 * returns the errno the syscall fails with (if any) and the verifier log
 * exactly as the kernel writes it.
 */
import { VerifierLog } from './vlog.js';

export type BtfLoadErrno = 'EINVAL' | 'E2BIG' | 'ENOSPC' | 'ENOTSUPP' | 'ELOOP' | 'EEXIST';

export interface CheckBtfLoadOptions {
  /** btf_log_level (0: no log). */
  logLevel?: number;
  /** btf_log_size: size of the user's log buffer (0: none). */
  logSize?: number;
}

export interface CheckBtfLoadResult {
  /** Undefined when the kernel would accept the BTF. */
  errno?: BtfLoadErrno;
  /** The log buffer's content. */
  log: string;
  /** btf_log_true_size. */
  logTrueSize: number;
}

/** BTF_MAX_SIZE: 16 MiB. */
export const BTF_MAX_SIZE = 16 * 1024 * 1024;
const BTF_MAX_TYPE = 0xfffff;
const BTF_MAX_NAME_OFFSET = 0xffffff;
const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;
const MAX_RESOLVE_DEPTH = 32;
const KSYM_NAME_LEN = 512;
const PTR_SIZE = 8;

const K = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
const KIND_MAX = 19;
const KIND_STR = [
  'UNKNOWN',
  'INT',
  'PTR',
  'ARRAY',
  'STRUCT',
  'UNION',
  'ENUM',
  'FWD',
  'TYPEDEF',
  'VOLATILE',
  'CONST',
  'RESTRICT',
  'FUNC',
  'FUNC_PROTO',
  'VAR',
  'DATASEC',
  'FLOAT',
  'DECL_TAG',
  'TYPE_TAG',
  'ENUM64',
];

const NOT_VISITED = 0;
const VISITED = 1;
const RESOLVED = 2;
const RESOLVE_TBD = 0;
const RESOLVE_PTR = 1;
const RESOLVE_STRUCT_OR_ARRAY = 2;

/** An error carrying the kernel's negative errno as a name. */
class Fail {
  constructor(readonly errno: BtfLoadErrno) {}
}

const roundupBytes = (bits: number) => (bits >>> 3) + (bits & 7 ? 1 : 0);
// Linux's ctype (lib/ctype.c) is Latin-1: 0xc0-0xff are letters except
// 0xd7 and 0xf7, and 0xa0-0xff are printable.
const isAlpha = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isPrint = (c: number) => (c >= 0x20 && c <= 0x7e) || c >= 0xa0;

interface Vertex {
  id: number;
  nextMember: number;
}

class Env {
  readonly dv: DataView;
  /** Byte offset of each type's btf_type; index = type id; [0] = void (-1). */
  readonly types: number[] = [-1];
  strStart = 0;
  strLen = 0;
  logTypeId = 0;
  phase: 'CHECK_META' | 'CHECK_TYPE' = 'CHECK_META';
  resolveMode = RESOLVE_TBD;
  visit!: Uint8Array;
  resolvedIds!: Uint32Array;
  resolvedSizes!: Uint32Array;
  readonly stack: Vertex[] = [];

  constructor(
    readonly data: Uint8Array,
    readonly log: VerifierLog,
  ) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  u32(off: number): number {
    return this.dv.getUint32(off, true);
  }
  s32(off: number): number {
    return this.dv.getInt32(off, true);
  }

  // --- btf_type accessors (t is the byte offset of a btf_type; -1 is void) ---
  nameOff(t: number): number {
    return t < 0 ? 0 : this.u32(t);
  }
  info(t: number): number {
    return t < 0 ? 0 : this.u32(t + 4);
  }
  kind(t: number): number {
    return (this.info(t) >>> 24) & 0x1f;
  }
  vlen(t: number): number {
    return this.info(t) & 0xffff;
  }
  kflag(t: number): boolean {
    return this.info(t) >>> 31 === 1;
  }
  sizeOrType(t: number): number {
    return t < 0 ? 0 : this.u32(t + 8);
  }

  typeById(id: number): number | undefined {
    return id < this.types.length ? this.types[id] : undefined;
  }

  // --- strings ---
  nameOffsetValid(off: number): boolean {
    return off <= BTF_MAX_NAME_OFFSET && off < this.strLen;
  }
  /** btf_str_by_offset as latin1 (one char per byte, as the kernel counts). */
  strAt(off: number): string | undefined {
    if (off >= this.strLen) return undefined;
    const b = this.data;
    let s = '';
    for (let p = this.strStart + off; b[p] !== 0; p++) s += String.fromCharCode(b[p]!);
    return s;
  }
  name(off: number): string {
    if (!off) return '(anon)';
    return this.strAt(off) ?? '(invalid-name-offset)';
  }
  private nameCharOk(c: number, first: boolean, dotOk: boolean): boolean {
    if ((first ? !isAlpha(c) : !(isAlpha(c) || isDigit(c))) && c !== 95 && ((c === 46 && !dotOk) || c !== 46))
      return false;
    return true;
  }
  nameValid(off: number, dotOk: boolean): boolean {
    const b = this.data;
    let p = this.strStart + off;
    if (!this.nameCharOk(b[p]!, true, dotOk)) return false;
    const limit = p + KSYM_NAME_LEN;
    p++;
    while (b[p] && p < limit) {
      if (!this.nameCharOk(b[p]!, false, dotOk)) return false;
      p++;
    }
    return !b[p];
  }
  identValid(off: number): boolean {
    return this.nameValid(off, false);
  }
  sectionNameValid(off: number): boolean {
    const b = this.data;
    let p = this.strStart + off;
    if (!b[p]) return false;
    const limit = p + KSYM_NAME_LEN;
    while (b[p] && p < limit) {
      if (!isPrint(b[p]!)) return false;
      p++;
    }
    return !b[p];
  }

  // --- logging ---
  vlog(s: string): void {
    this.log.write(s);
  }
  private logDetails(t: number): void {
    const k = this.kind(t);
    switch (k) {
      case K.INT: {
        const v = this.u32(t + 12);
        const enc = (v >>> 24) & 0x0f;
        const encStr =
          enc === 0 ? '(none)' : enc === 1 ? 'SIGNED' : enc === 2 ? 'CHAR' : enc === 4 ? 'BOOL' : 'UNKN';
        this.vlog(
          `size=${this.sizeOrType(t)} bits_offset=${(v >>> 16) & 0xff} nr_bits=${v & 0xff} encoding=${encStr}`,
        );
        break;
      }
      case K.PTR:
      case K.TYPEDEF:
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG:
      case K.FUNC:
        this.vlog(`type_id=${this.sizeOrType(t)}`);
        break;
      case K.ARRAY:
        this.vlog(
          `type_id=${this.u32(t + 12)} index_type_id=${this.u32(t + 16)} nr_elems=${this.u32(t + 20)}`,
        );
        break;
      case K.STRUCT:
      case K.UNION:
      case K.ENUM:
      case K.ENUM64:
      case K.DATASEC:
        this.vlog(`size=${this.sizeOrType(t)} vlen=${this.vlen(t)}`);
        break;
      case K.FWD:
        this.vlog(this.kflag(t) ? 'union' : 'struct');
        break;
      case K.FUNC_PROTO: {
        const n = this.vlen(t);
        const arg = (i: number) => t + 12 + i * 8;
        this.vlog(`return=${this.sizeOrType(t)} args=(`);
        if (n === 0) this.vlog('void');
        else if (n === 1 && !this.u32(arg(0) + 4)) this.vlog('vararg');
        else {
          this.vlog(`${this.u32(arg(0) + 4)} ${this.name(this.u32(arg(0)))}`);
          for (let i = 1; i < n - 1; i++)
            this.vlog(`, ${this.u32(arg(i) + 4)} ${this.name(this.u32(arg(i)))}`);
          if (n > 1) {
            const last = arg(n - 1);
            if (this.u32(last + 4)) this.vlog(`, ${this.u32(last + 4)} ${this.name(this.u32(last))}`);
            else this.vlog(', vararg');
          }
        }
        this.vlog(')');
        break;
      }
      case K.VAR:
        this.vlog(`type_id=${this.sizeOrType(t)} linkage=${this.u32(t + 12)}`);
        break;
      case K.FLOAT:
        this.vlog(`size=${this.sizeOrType(t)}`);
        break;
      case K.DECL_TAG:
        this.vlog(`type=${this.sizeOrType(t)} component_idx=${this.s32(t + 12)}`);
        break;
    }
  }
  /** __btf_verifier_log_type; msg undefined = the plain dump line. */
  logType(t: number, details: boolean, msg?: string): void {
    if (!this.log.needed) return;
    this.vlog(
      `[${this.logTypeId}] ${KIND_STR[this.kind(t)]} ${this.name(this.nameOff(t))}${details ? ' ' : ''}`,
    );
    if (details) this.logDetails(t);
    if (msg) {
      this.vlog(' ');
      this.vlog(msg);
    }
    this.vlog('\n');
  }
  logMember(st: number, m: number, msg?: string): void {
    if (!this.log.needed) return;
    if (this.phase !== 'CHECK_META') this.logType(st, true);
    const off = this.u32(m + 8);
    if (this.kflag(st))
      this.vlog(
        `\t${this.name(this.u32(m))} type_id=${this.u32(m + 4)} bitfield_size=${off >>> 24} bits_offset=${off & 0xffffff}`,
      );
    else this.vlog(`\t${this.name(this.u32(m))} type_id=${this.u32(m + 4)} bits_offset=${off}`);
    if (msg) {
      this.vlog(' ');
      this.vlog(msg);
    }
    this.vlog('\n');
  }
  logVsi(ds: number, v: number, msg?: string): void {
    if (!this.log.needed) return;
    if (this.phase !== 'CHECK_META') this.logType(ds, true);
    this.vlog(`\t type_id=${this.u32(v)} offset=${this.u32(v + 4)} size=${this.u32(v + 8)}`);
    if (msg) {
      this.vlog(' ');
      this.vlog(msg);
    }
    this.vlog('\n');
  }
  fail(t: number, msg: string, errno: BtfLoadErrno = 'EINVAL', details = true): never {
    this.logType(t, details, msg);
    throw new Fail(errno);
  }
  failMember(st: number, m: number, msg: string): never {
    this.logMember(st, m, msg);
    throw new Fail('EINVAL');
  }
  failVsi(ds: number, v: number, msg: string): never {
    this.logVsi(ds, v, msg);
    throw new Fail('EINVAL');
  }

  // --- kind predicates ---
  isModifier(t: number | undefined): boolean {
    if (t === undefined || t < 0) return false;
    const k = this.kind(t);
    return k === K.TYPEDEF || k === K.VOLATILE || k === K.CONST || k === K.RESTRICT || k === K.TYPE_TAG;
  }
  is(t: number | undefined, k: number): boolean {
    return t !== undefined && t >= 0 && this.kind(t) === k;
  }
  isStruct(t: number | undefined): boolean {
    return this.is(t, K.STRUCT) || this.is(t, K.UNION);
  }
  isVoid(t: number | undefined): boolean {
    return t === -1;
  }
  nosize(t: number): boolean {
    return this.isVoid(t) || this.is(t, K.FWD) || this.is(t, K.FUNC) || this.is(t, K.FUNC_PROTO);
  }
  nosizeOrNull(t: number | undefined): boolean {
    return t === undefined || this.nosize(t);
  }
  hasSize(t: number): boolean {
    if (t < 0) return false;
    const k = this.kind(t);
    return (
      k === K.INT ||
      k === K.STRUCT ||
      k === K.UNION ||
      k === K.ENUM ||
      k === K.DATASEC ||
      k === K.FLOAT ||
      k === K.ENUM64
    );
  }
  resolveSourceOnly(t: number): boolean {
    return this.is(t, K.VAR) || this.is(t, K.DECL_TAG) || this.is(t, K.DATASEC);
  }
  needsResolve(t: number): boolean {
    return (
      this.isModifier(t) ||
      this.is(t, K.PTR) ||
      this.isStruct(t) ||
      this.is(t, K.ARRAY) ||
      this.is(t, K.VAR) ||
      this.is(t, K.FUNC) ||
      this.is(t, K.DECL_TAG) ||
      this.is(t, K.DATASEC)
    );
  }
  intIsRegular(t: number): boolean {
    const v = this.u32(t + 12);
    const bits = v & 0xff;
    const bytes = roundupBytes(bits);
    if (
      bits & 7 ||
      (v >>> 16) & 0xff ||
      (bytes !== 1 && bytes !== 2 && bytes !== 4 && bytes !== 8 && bytes !== 16)
    )
      return false;
    return true;
  }

  // --- resolution state ---
  isResolveSink(next: number): boolean {
    switch (this.resolveMode) {
      case RESOLVE_TBD:
        return !this.needsResolve(next);
      case RESOLVE_PTR:
        return !this.isModifier(next) && !this.is(next, K.PTR);
      default:
        return !this.isModifier(next) && !this.is(next, K.ARRAY) && !this.isStruct(next);
    }
  }
  isResolved(id: number): boolean {
    return this.visit[id] === RESOLVED;
  }
  push(t: number, id: number): void {
    if (this.stack.length === MAX_RESOLVE_DEPTH) throw new Fail('E2BIG');
    if (this.visit[id] !== NOT_VISITED) throw new Fail('EEXIST');
    this.visit[id] = VISITED;
    this.stack.push({ id, nextMember: 0 });
    if (this.resolveMode === RESOLVE_TBD) {
      if (this.is(t, K.PTR)) this.resolveMode = RESOLVE_PTR;
      else if (this.isStruct(t) || this.is(t, K.ARRAY)) this.resolveMode = RESOLVE_STRUCT_OR_ARRAY;
    }
  }
  popResolved(resolvedId: number, resolvedSize: number): void {
    const v = this.stack.pop()!;
    this.resolvedSizes[v.id] = resolvedSize;
    this.resolvedIds[v.id] = resolvedId;
    this.visit[v.id] = RESOLVED;
  }

  /** btf_type_id_size: the sized type behind `id` (following one resolved modifier/var). */
  idSize(id: number): { id: number; size: number; t: number } | undefined {
    let t = this.typeById(id);
    if (t === undefined || this.nosize(t)) return undefined;
    if (this.hasSize(t)) return { id, size: this.sizeOrType(t), t };
    if (this.is(t, K.ARRAY)) return { id, size: this.resolvedSizes[id]!, t };
    if (this.is(t, K.PTR)) return { id, size: PTR_SIZE, t };
    if (!this.isModifier(t) && !this.is(t, K.VAR)) return undefined;
    id = this.resolvedIds[id]!;
    t = this.typeById(id);
    if (t === undefined || this.nosize(t)) return undefined;
    if (this.hasSize(t)) return { id, size: this.sizeOrType(t), t };
    if (this.is(t, K.ARRAY)) return { id, size: this.resolvedSizes[id]!, t };
    if (this.is(t, K.PTR)) return { id, size: PTR_SIZE, t };
    return undefined;
  }
}

// ---------------------------------------------------------------- pass 1

function checkMeta(env: Env, t: number, metaLeft: number): number {
  const k = env.kind(t);
  const vlen = env.vlen(t);
  const nameOff = env.nameOff(t);
  const needMeta = (needed: number) => {
    if (metaLeft < needed) env.fail(t, `meta_left:${metaLeft} meta_needed:${needed}`, 'EINVAL', false);
  };
  switch (k) {
    case K.INT: {
      needMeta(4);
      if (vlen) env.fail(t, 'vlen != 0');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      const v = env.u32(t + 12);
      if (v & ~BTF_INT_MASK) env.fail(t, `Invalid int_data:${(v >>> 0).toString(16)}`, 'EINVAL', false);
      const bits = (v & 0xff) + ((v >>> 16) & 0xff);
      if (bits > 128) env.fail(t, 'nr_bits exceeds 128');
      if (roundupBytes(bits) > env.sizeOrType(t)) env.fail(t, 'nr_bits exceeds type_size');
      const enc = (v >>> 24) & 0x0f;
      if (enc && enc !== 1 && enc !== 2 && enc !== 4) env.fail(t, 'Unsupported encoding', 'ENOTSUPP');
      env.logType(t, true);
      return 4;
    }
    case K.PTR:
    case K.TYPEDEF:
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.TYPE_TAG: {
      if (vlen) env.fail(t, 'vlen != 0');
      if (env.kflag(t) && k !== K.TYPE_TAG) env.fail(t, 'Invalid btf_info kind_flag');
      if (env.sizeOrType(t) > BTF_MAX_TYPE) env.fail(t, 'Invalid type_id');
      if (k === K.TYPEDEF) {
        if (!nameOff || !env.identValid(nameOff)) env.fail(t, 'Invalid name');
      } else if (k === K.TYPE_TAG) {
        const value = env.strAt(nameOff);
        if (!value) env.fail(t, 'Invalid name');
      } else if (nameOff) env.fail(t, 'Invalid name');
      env.logType(t, true);
      return 0;
    }
    case K.FWD:
      if (vlen) env.fail(t, 'vlen != 0');
      if (env.sizeOrType(t)) env.fail(t, 'type != 0');
      if (!nameOff || !env.identValid(nameOff)) env.fail(t, 'Invalid name');
      env.logType(t, true);
      return 0;
    case K.ARRAY: {
      needMeta(12);
      if (nameOff) env.fail(t, 'Invalid name');
      if (vlen) env.fail(t, 'vlen != 0');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      if (env.sizeOrType(t)) env.fail(t, 'size != 0');
      const elem = env.u32(t + 12);
      const index = env.u32(t + 16);
      if (!elem || elem > BTF_MAX_TYPE) env.fail(t, 'Invalid elem');
      if (!index || index > BTF_MAX_TYPE) env.fail(t, 'Invalid index');
      env.logType(t, true);
      return 12;
    }
    case K.STRUCT:
    case K.UNION: {
      const isUnion = k === K.UNION;
      const needed = vlen * 12;
      needMeta(needed);
      if (nameOff && !env.identValid(nameOff)) env.fail(t, 'Invalid name');
      env.logType(t, true);
      let lastOffset = 0;
      const size = env.sizeOrType(t);
      for (let i = 0; i < vlen; i++) {
        const m = t + 12 + i * 12;
        const mName = env.u32(m);
        if (!env.nameOffsetValid(mName)) env.failMember(t, m, `Invalid member name_offset:${mName}`);
        if (mName && !env.identValid(mName)) env.failMember(t, m, 'Invalid name');
        const mType = env.u32(m + 4);
        if (!mType || mType > BTF_MAX_TYPE) env.failMember(t, m, 'Invalid type_id');
        const raw = env.u32(m + 8);
        const offset = env.kflag(t) ? raw & 0xffffff : raw;
        if (isUnion && offset) env.failMember(t, m, 'Invalid member bits_offset');
        if (lastOffset > offset) env.failMember(t, m, 'Invalid member bits_offset');
        if (roundupBytes(offset) > size) env.failMember(t, m, 'Member bits_offset exceeds its struct size');
        env.logMember(t, m);
        lastOffset = offset;
      }
      return needed;
    }
    case K.ENUM:
    case K.ENUM64: {
      const recSize = k === K.ENUM ? 8 : 12;
      const needed = vlen * recSize;
      needMeta(needed);
      const size = env.sizeOrType(t);
      if (size > 8 || size === 0 || (size & (size - 1)) !== 0) env.fail(t, 'Unexpected size');
      if (nameOff && !env.identValid(nameOff)) env.fail(t, 'Invalid name');
      env.logType(t, true);
      for (let i = 0; i < vlen; i++) {
        const e = t + 12 + i * recSize;
        const eName = env.u32(e);
        if (!env.nameOffsetValid(eName)) {
          env.vlog(`\tInvalid name_offset:${eName}`);
          throw new Fail('EINVAL');
        }
        if (!eName || !env.identValid(eName)) env.fail(t, 'Invalid name');
        let val: string;
        if (k === K.ENUM) val = env.kflag(t) ? String(env.s32(e + 4)) : String(env.u32(e + 4));
        else {
          const raw = (BigInt(env.u32(e + 8)) << 32n) | BigInt(env.u32(e + 4));
          val = String(env.kflag(t) ? BigInt.asIntN(64, raw) : raw);
        }
        env.vlog(`\t${env.name(eName)} val=${val}\n`);
      }
      return needed;
    }
    case K.FUNC_PROTO: {
      const needed = vlen * 8;
      needMeta(needed);
      if (nameOff) env.fail(t, 'Invalid name');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      env.logType(t, true);
      return needed;
    }
    case K.FUNC:
      if (!nameOff || !env.identValid(nameOff)) env.fail(t, 'Invalid name');
      if (vlen > 1) env.fail(t, 'Invalid func linkage');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      env.logType(t, true);
      return 0;
    case K.VAR: {
      needMeta(4);
      if (vlen) env.fail(t, 'vlen != 0');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      if (!nameOff || !env.nameValid(nameOff, true)) env.fail(t, 'Invalid name');
      const type = env.sizeOrType(t);
      if (!type || type > BTF_MAX_TYPE) env.fail(t, 'Invalid type_id');
      const linkage = env.u32(t + 12);
      if (linkage !== 0 && linkage !== 1) env.fail(t, 'Linkage not supported');
      env.logType(t, true);
      return 4;
    }
    case K.DATASEC: {
      const needed = vlen * 12;
      needMeta(needed);
      const size = env.sizeOrType(t);
      if (!size) env.fail(t, 'size == 0');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      if (!nameOff || !env.sectionNameValid(nameOff)) env.fail(t, 'Invalid name');
      env.logType(t, true);
      let lastEnd = 0;
      let sum = 0;
      for (let i = 0; i < vlen; i++) {
        const v = t + 12 + i * 12;
        const type = env.u32(v);
        const off = env.u32(v + 4);
        const sz = env.u32(v + 8);
        if (!type || type > BTF_MAX_TYPE) env.failVsi(t, v, 'Invalid type_id');
        if (off < lastEnd || off >= size) env.failVsi(t, v, 'Invalid offset');
        if (!sz || sz > size) env.failVsi(t, v, 'Invalid size');
        lastEnd = off + sz;
        if (lastEnd > size) env.failVsi(t, v, 'Invalid offset+size');
        env.logVsi(t, v);
        sum += sz;
      }
      if (size < sum) env.fail(t, 'Invalid btf_info size');
      return needed;
    }
    case K.FLOAT: {
      if (vlen) env.fail(t, 'vlen != 0');
      if (env.kflag(t)) env.fail(t, 'Invalid btf_info kind_flag');
      const size = env.sizeOrType(t);
      if (size !== 2 && size !== 4 && size !== 8 && size !== 12 && size !== 16)
        env.fail(t, 'Invalid type_size');
      env.logType(t, true);
      return 0;
    }
    case K.DECL_TAG: {
      needMeta(4);
      const value = env.strAt(nameOff);
      if (!value) env.fail(t, 'Invalid value');
      if (vlen) env.fail(t, 'vlen != 0');
      const idx = env.s32(t + 12);
      if (env.kflag(t) && idx !== -1) env.fail(t, 'Invalid component_idx');
      if (idx < -1) env.fail(t, 'Invalid component_idx');
      env.logType(t, true);
      return 4;
    }
    default:
      throw new Fail('EINVAL');
  }
}

function checkAllMetas(env: Env, typeStart: number, typeLen: number): void {
  let cur = typeStart;
  const end = typeStart + typeLen;
  env.logTypeId = 1;
  while (cur < end) {
    const left = end - cur;
    if (left < 12) {
      env.vlog(`[${env.logTypeId}] meta_left:${left} meta_needed:12`);
      throw new Fail('EINVAL');
    }
    const info = env.u32(cur + 4);
    if ((info & ~BTF_INFO_MASK) >>> 0) {
      env.vlog(`[${env.logTypeId}] Invalid btf_info:${(info >>> 0).toString(16)}`);
      throw new Fail('EINVAL');
    }
    const kind = (info >>> 24) & 0x1f;
    if (kind > KIND_MAX || kind === K.UNKN) {
      env.vlog(`[${env.logTypeId}] Invalid kind:${kind}`);
      throw new Fail('EINVAL');
    }
    const nameOff = env.u32(cur);
    if (!env.nameOffsetValid(nameOff)) {
      env.vlog(`[${env.logTypeId}] Invalid name_offset:${nameOff}`);
      throw new Fail('EINVAL');
    }
    const extra = checkMeta(env, cur, left - 12);
    if (env.types.length >= BTF_MAX_TYPE) {
      env.vlog('Exceeded max num of types');
      throw new Fail('E2BIG');
    }
    env.types.push(cur);
    cur += 12 + extra;
    env.logTypeId++;
  }
}

// ---------------------------------------------------------------- member checks

function checkMember(
  env: Env,
  st: number,
  m: number,
  memberType: number,
  mType: number,
  kflag: boolean,
): void {
  const k = env.kind(memberType);
  const raw = env.u32(m + 8);
  const structSize = env.sizeOrType(st);
  const generic = () => {
    if (raw >>> 24) env.failMember(st, m, 'Invalid member bitfield_size');
    checkMember(env, st, m, memberType, mType, false);
  };
  switch (k) {
    case K.INT: {
      const v = env.u32(memberType + 12);
      const intBits = v & 0xff;
      const intOff = (v >>> 16) & 0xff;
      if (!kflag) {
        if (0xffffffff - raw < intOff) env.failMember(st, m, 'bits_offset exceeds U32_MAX');
        const bitsOff = raw + intOff;
        const bytesOff = Math.floor(bitsOff / 8);
        const copyBits = intBits + (bitsOff & 7);
        if (copyBits > 128) env.failMember(st, m, 'nr_copy_bits exceeds 128');
        if (structSize < bytesOff || structSize - bytesOff < roundupBytes(copyBits))
          env.failMember(st, m, 'Member exceeds struct_size');
        return;
      }
      if (!env.intIsRegular(memberType)) env.failMember(st, m, 'Invalid member base type');
      let nrBits = raw >>> 24;
      const bitsOff = raw & 0xffffff;
      if (!nrBits) {
        if (bitsOff & 7) env.failMember(st, m, 'Invalid member offset');
        nrBits = intBits;
      } else if (nrBits > intBits) env.failMember(st, m, 'Invalid member bitfield_size');
      const bytesOff = bitsOff >>> 3;
      const copyBits = nrBits + (bitsOff & 7);
      if (copyBits > 128) env.failMember(st, m, 'nr_copy_bits exceeds 128');
      if (structSize < bytesOff || structSize - bytesOff < roundupBytes(copyBits))
        env.failMember(st, m, 'Member exceeds struct_size');
      return;
    }
    case K.PTR:
      if (kflag) {
        generic();
        return;
      }
      if (raw & 7) env.failMember(st, m, 'Member is not byte aligned');
      if ((structSize - (raw >>> 3)) >>> 0 < PTR_SIZE) env.failMember(st, m, 'Member exceeds struct_size');
      return;
    case K.ARRAY: {
      if (kflag) {
        generic();
        return;
      }
      if (raw & 7) env.failMember(st, m, 'Member is not byte aligned');
      const size = env.idSize(mType)?.size ?? 0;
      if ((structSize - (raw >>> 3)) >>> 0 < size) env.failMember(st, m, 'Member exceeds struct_size');
      return;
    }
    case K.STRUCT:
    case K.UNION:
      if (kflag) {
        generic();
        return;
      }
      if (raw & 7) env.failMember(st, m, 'Member is not byte aligned');
      if ((structSize - (raw >>> 3)) >>> 0 < env.sizeOrType(memberType))
        env.failMember(st, m, 'Member exceeds struct_size');
      return;
    case K.ENUM:
    case K.ENUM64: {
      if (!kflag) {
        if (raw & 7) env.failMember(st, m, 'Member is not byte aligned');
        if ((structSize - (raw >>> 3)) >>> 0 < env.sizeOrType(memberType))
          env.failMember(st, m, 'Member exceeds struct_size');
        return;
      }
      const bitsOff = raw & 0xffffff;
      let nrBits = raw >>> 24;
      const intBits = env.sizeOrType(memberType) * 8;
      if (!nrBits) {
        if (bitsOff & 7) env.failMember(st, m, 'Member is not byte aligned');
        nrBits = intBits;
      } else if (nrBits > intBits) env.failMember(st, m, 'Invalid member bitfield_size');
      if (structSize < roundupBytes(bitsOff + nrBits)) env.failMember(st, m, 'Member exceeds struct_size');
      return;
    }
    case K.FLOAT: {
      if (kflag) {
        generic();
        return;
      }
      const fsize = env.sizeOrType(memberType);
      const alignBits = Math.min(PTR_SIZE, fsize) * 8;
      if (raw % alignBits) env.failMember(st, m, 'Member is not properly aligned');
      if (Math.floor(raw / 8) + fsize > structSize) env.failMember(st, m, 'Member exceeds struct_size');
      return;
    }
    case K.TYPEDEF:
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.TYPE_TAG: {
      const r = env.idSize(mType);
      if (!r) env.failMember(st, m, 'Invalid member');
      checkMember(env, st, m, r.t, r.id, kflag);
      return;
    }
    default:
      env.fail(st, kflag ? 'Unsupported check_kflag_member' : 'Unsupported check_member', 'EINVAL', false);
  }
}

// ---------------------------------------------------------------- pass 2

function resolveStep(env: Env, v: Vertex): void {
  const t = env.types[v.id]!;
  const k = env.kind(t);
  switch (k) {
    case K.TYPEDEF:
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.TYPE_TAG:
    case K.PTR:
    case K.VAR: {
      let nextId = env.sizeOrType(t);
      let next = env.typeById(nextId);
      if (next === undefined || env.resolveSourceOnly(next)) env.fail(t, 'Invalid type_id');
      if (!env.isResolveSink(next) && !env.isResolved(nextId)) {
        env.push(next, nextId);
        return;
      }
      if ((k === K.PTR || k === K.VAR) && env.isModifier(next)) {
        const rid = env.resolvedIds[nextId]!;
        const rt = env.typeById(rid);
        if (rt !== undefined && env.is(rt, K.PTR) && !env.isResolveSink(rt) && !env.isResolved(rid)) {
          env.push(rt, rid);
          return;
        }
      }
      const sized = env.idSize(nextId);
      if (!sized) {
        if (k === K.VAR) env.fail(t, 'Invalid type_id');
        if (env.isResolved(nextId)) {
          nextId = env.resolvedIds[nextId]!;
          next = env.typeById(nextId);
        }
        if (!env.isVoid(next) && !env.is(next, K.FWD) && !env.is(next, K.FUNC_PROTO))
          env.fail(t, 'Invalid type_id');
      } else nextId = sized.id;
      env.popResolved(nextId, 0);
      return;
    }
    case K.ARRAY: {
      let indexId = env.u32(t + 16);
      let index = env.typeById(indexId);
      if (env.nosizeOrNull(index) || env.resolveSourceOnly(index!)) env.fail(t, 'Invalid index');
      if (!env.isResolveSink(index!) && !env.isResolved(indexId)) {
        env.push(index!, indexId);
        return;
      }
      const idx = env.idSize(indexId);
      if (!idx || !env.is(idx.t, K.INT) || !env.intIsRegular(idx.t)) env.fail(t, 'Invalid index');
      indexId = idx.id;
      index = idx.t;
      const elemId = env.u32(t + 12);
      const elem = env.typeById(elemId);
      if (env.nosizeOrNull(elem) || env.resolveSourceOnly(elem!)) env.fail(t, 'Invalid elem');
      if (!env.isResolveSink(elem!) && !env.isResolved(elemId)) {
        env.push(elem!, elemId);
        return;
      }
      const es = env.idSize(elemId);
      if (!es) env.fail(t, 'Invalid elem');
      if (env.is(es.t, K.INT) && !env.intIsRegular(es.t)) env.fail(t, 'Invalid array of int');
      const nelems = env.u32(t + 20);
      if (nelems && es.size > Math.floor(0xffffffff / nelems)) env.fail(t, 'Array size overflows U32_MAX');
      env.popResolved(es.id, (es.size * nelems) >>> 0);
      return;
    }
    case K.STRUCT:
    case K.UNION: {
      const kflag = env.kflag(t);
      if (v.nextMember) {
        const last = t + 12 + (v.nextMember - 1) * 12;
        // The kernel keeps the member's type id in a u16 here.
        const lastId = env.u32(last + 4) & 0xffff;
        if (!env.isResolved(lastId)) throw new Fail('EINVAL');
        checkMember(env, t, last, env.typeById(lastId)!, lastId, kflag);
      }
      const vlen = env.vlen(t);
      for (let i = v.nextMember; i < vlen; i++) {
        const m = t + 12 + i * 12;
        const mId = env.u32(m + 4);
        const mt = env.typeById(mId);
        if (env.nosizeOrNull(mt) || env.resolveSourceOnly(mt!)) env.failMember(t, m, 'Invalid member');
        if (!env.isResolveSink(mt!) && !env.isResolved(mId)) {
          v.nextMember = i + 1;
          env.push(mt!, mId);
          return;
        }
        checkMember(env, t, m, mt!, mId, kflag);
      }
      env.popResolved(0, 0);
      return;
    }
    case K.FUNC:
      funcCheck(env, t);
      env.popResolved(env.sizeOrType(t), 0);
      return;
    case K.DATASEC: {
      const vlen = env.vlen(t);
      for (let i = v.nextMember; i < vlen; i++) {
        const vsi = t + 12 + i * 12;
        const varId = env.u32(vsi);
        const vt = env.typeById(varId);
        if (vt === undefined || !env.is(vt, K.VAR)) env.failVsi(t, vsi, 'Not a VAR kind member');
        if (!env.isResolveSink(vt) && !env.isResolved(varId)) {
          v.nextMember = i + 1;
          env.push(vt, varId);
          return;
        }
        const sized = env.idSize(env.sizeOrType(vt));
        if (!sized) env.failVsi(t, vsi, 'Invalid type');
        if (env.u32(vsi + 8) < sized.size) env.failVsi(t, vsi, 'Invalid size');
      }
      env.popResolved(0, 0);
      return;
    }
    case K.DECL_TAG: {
      const nextId = env.sizeOrType(t);
      let next = env.typeById(nextId);
      if (
        next === undefined ||
        !(env.is(next, K.FUNC) || env.isStruct(next) || env.is(next, K.VAR) || env.is(next, K.TYPEDEF))
      )
        env.fail(t, 'Invalid type_id');
      if (!env.isResolveSink(next) && !env.isResolved(nextId)) {
        env.push(next, nextId);
        return;
      }
      const idx = env.s32(t + 12);
      if (idx !== -1) {
        if (env.is(next, K.VAR) || env.is(next, K.TYPEDEF)) env.fail(t, 'Invalid component_idx');
        let vlen: number;
        if (env.isStruct(next)) vlen = env.vlen(next);
        else {
          next = env.typeById(env.sizeOrType(next));
          vlen = next === undefined ? 0 : env.vlen(next);
        }
        if (idx >>> 0 >= vlen) env.fail(t, 'Invalid component_idx');
      }
      env.popResolved(nextId, 0);
      return;
    }
    default:
      env.fail(t, 'Unsupported resolve', 'EINVAL', false);
  }
}

function resolveValid(env: Env, t: number, id: number): boolean {
  if (!env.isResolved(id)) return false;
  if (env.isStruct(t) || env.is(t, K.DATASEC)) return !env.resolvedIds[id] && !env.resolvedSizes[id];
  if (env.is(t, K.DECL_TAG) || env.is(t, K.FUNC)) return !!env.resolvedIds[id] && !env.resolvedSizes[id];
  if (env.isModifier(t) || env.is(t, K.PTR) || env.is(t, K.VAR)) {
    const r = env.typeById(env.resolvedIds[id]!);
    return r !== undefined && !env.isModifier(r) && !env.is(r, K.VAR) && !env.is(r, K.DATASEC);
  }
  if (env.is(t, K.ARRAY)) {
    const es = env.idSize(env.u32(t + 12));
    return !!es && !env.isModifier(es.t) && (env.u32(t + 20) * es.size) >>> 0 === env.resolvedSizes[id];
  }
  return false;
}

function resolve(env: Env, t: number, id: number): void {
  const saved = env.logTypeId;
  env.resolveMode = RESOLVE_TBD;
  env.stack.length = 0;
  let err: Fail | undefined;
  try {
    env.push(t, id);
    for (let v = env.stack.at(-1); v; v = env.stack.at(-1)) {
      env.logTypeId = v.id;
      resolveStep(env, v);
    }
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    err = e;
  }
  env.logTypeId = id;
  if (err?.errno === 'E2BIG') env.logType(t, true, `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`);
  else if (err?.errno === 'EEXIST') env.logType(t, true, 'Loop detected');
  if (!err && !resolveValid(env, t, id)) {
    env.logType(t, true, 'Invalid resolve state');
    err = new Fail('EINVAL');
  }
  env.logTypeId = saved;
  if (err) throw err;
}

function funcProtoCheck(env: Env, t: number): void {
  const retId = env.sizeOrType(t);
  if (retId) {
    const rt = env.typeById(retId);
    if (rt === undefined) env.fail(t, 'Invalid return type');
    if (env.needsResolve(rt) && !env.isResolved(retId)) resolve(env, rt, retId);
    if (!env.idSize(retId)) env.fail(t, 'Invalid return type');
  }
  let n = env.vlen(t);
  if (!n) return;
  const arg = (i: number) => t + 12 + i * 8;
  if (!env.u32(arg(n - 1) + 4)) {
    if (env.u32(arg(n - 1))) env.fail(t, `Invalid arg#${n}`);
    n--;
  }
  for (let i = 0; i < n; i++) {
    const argId = env.u32(arg(i) + 4);
    const at = env.typeById(argId);
    if (at === undefined) env.fail(t, `Invalid arg#${i + 1}`);
    const nameOff = env.u32(arg(i));
    if (nameOff && (!env.nameOffsetValid(nameOff) || !env.identValid(nameOff)))
      env.fail(t, `Invalid arg#${i + 1}`);
    if (env.needsResolve(at) && !env.isResolved(argId)) resolve(env, at, argId);
    if (!env.idSize(argId)) env.fail(t, `Invalid arg#${i + 1}`);
  }
}

function funcCheck(env: Env, t: number): void {
  const proto = env.typeById(env.sizeOrType(t));
  if (proto === undefined || !env.is(proto, K.FUNC_PROTO)) env.fail(t, 'Invalid type_id');
  const n = env.vlen(proto);
  for (let i = 0; i < n; i++) {
    const a = proto + 12 + i * 8;
    if (!env.u32(a) && env.u32(a + 4)) env.fail(t, `Invalid arg#${i + 1}`);
  }
}

function checkAllTypes(env: Env): void {
  const n = env.types.length;
  env.visit = new Uint8Array(n);
  env.resolvedIds = new Uint32Array(n);
  env.resolvedSizes = new Uint32Array(n);
  env.visit[0] = RESOLVED;
  env.phase = 'CHECK_TYPE';
  for (let id = 1; id < n; id++) {
    const t = env.types[id]!;
    env.logTypeId = id;
    if (env.needsResolve(t) && !env.isResolved(id)) resolve(env, t, id);
    if (env.is(t, K.FUNC_PROTO)) funcProtoCheck(env, t);
  }
}

function checkTypeTags(env: Env): void {
  const n = env.types.length;
  let good = 0;
  for (let i = 1; i < n; i++) {
    let t = env.types[i];
    if (!env.isModifier(t)) continue;
    let limit = 32;
    let cur = i;
    let inTags = env.is(t, K.TYPE_TAG);
    while (env.isModifier(t)) {
      if (!limit--) {
        env.vlog('Max chain length or cycle detected');
        throw new Fail('ELOOP');
      }
      if (env.is(t, K.TYPE_TAG)) {
        if (!inTags) {
          env.vlog("Type tags don't precede modifiers");
          throw new Fail('EINVAL');
        }
      } else if (inTags) inTags = false;
      if (cur <= good) break;
      cur = env.sizeOrType(t!);
      t = env.typeById(cur);
      if (t === undefined) throw new Fail('EINVAL');
    }
    good = i;
  }
}

// ---------------------------------------------------------------- header

function parseHdr(env: Env): {
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
} {
  const size = env.data.length;
  if (size < 8) {
    env.vlog('hdr_len not found');
    throw new Fail('EINVAL');
  }
  const hdrLen = env.u32(4);
  if (size < hdrLen) {
    env.vlog('btf_header not found');
    throw new Fail('EINVAL');
  }
  for (let i = 24; i < hdrLen; i++)
    if (env.data[i]) {
      env.vlog('Unsupported btf_header');
      throw new Fail('E2BIG');
    }
  // Fields past hdr_len read as zero (the kernel copies min(hdr_len, 24) bytes into a zeroed header).
  const field = (off: number, len: number) => {
    if (off + len > Math.min(hdrLen, 24)) return 0;
    return len === 2 ? env.dv.getUint16(off, true) : len === 1 ? env.data[off]! : env.u32(off);
  };
  const h = {
    magic: field(0, 2),
    version: field(2, 1),
    flags: field(3, 1),
    hdrLen: field(4, 4),
    typeOff: field(8, 4),
    typeLen: field(12, 4),
    strOff: field(16, 4),
    strLen: field(20, 4),
  };
  env.vlog(`magic: 0x${h.magic.toString(16)}\n`);
  env.vlog(`version: ${h.version}\n`);
  env.vlog(`flags: 0x${h.flags.toString(16)}\n`);
  env.vlog(`hdr_len: ${h.hdrLen}\n`);
  env.vlog(`type_off: ${h.typeOff}\n`);
  env.vlog(`type_len: ${h.typeLen}\n`);
  env.vlog(`str_off: ${h.strOff}\n`);
  env.vlog(`str_len: ${h.strLen}\n`);
  env.vlog(`btf_total_size: ${size}\n`);
  if (h.magic !== 0xeb9f) {
    env.vlog('Invalid magic');
    throw new Fail('EINVAL');
  }
  if (h.version !== 1) {
    env.vlog('Unsupported version');
    throw new Fail('ENOTSUPP');
  }
  if (h.flags) {
    env.vlog('Unsupported flags');
    throw new Fail('ENOTSUPP');
  }
  if (size === h.hdrLen) {
    env.vlog('No data');
    throw new Fail('EINVAL');
  }
  // btf_check_sec_info: sections sorted by offset, no gap, no overlap, nothing after.
  const secs = [
    { off: h.typeOff, len: h.typeLen },
    { off: h.strOff, len: h.strLen },
  ].sort((a, b) => (a.off - b.off) | 0 || (a.len - b.len) | 0);
  let total = 0;
  const expected = size - h.hdrLen;
  for (const s of secs) {
    if (expected < s.off) {
      env.vlog('Invalid section offset');
      throw new Fail('EINVAL');
    }
    if (total < s.off) {
      env.vlog('Unsupported section found');
      throw new Fail('EINVAL');
    }
    if (total > s.off) {
      env.vlog('Section overlap found');
      throw new Fail('EINVAL');
    }
    if (expected - total < s.len) {
      env.vlog('Total section length too long');
      throw new Fail('EINVAL');
    }
    total += s.len;
  }
  if (expected !== total) {
    env.vlog('Unsupported section found');
    throw new Fail('EINVAL');
  }
  return h;
}

/**
 * Checks a .BTF blob as BPF_BTF_LOAD would (kernel/bpf/btf.c btf_parse on a
 * little-endian 64-bit host) and returns the errno and the verifier log.
 */
export function checkBtfLoad(bytes: Uint8Array, options: CheckBtfLoadOptions = {}): CheckBtfLoadResult {
  const level = options.logLevel ?? 0;
  const size = options.logSize ?? 0;
  if (bytes.length > BTF_MAX_SIZE) return { errno: 'E2BIG', log: '', logTrueSize: 0 };
  if (!VerifierLog.attrValid(level, size)) return { errno: 'EINVAL', log: '', logTrueSize: 0 };
  const log = new VerifierLog(level, size);
  const env = new Env(bytes, log);
  let errno: BtfLoadErrno | undefined;
  try {
    const h = parseHdr(env);
    const body = h.hdrLen;
    // btf_parse_str_sec
    const strStart = body + h.strOff;
    if (strStart + h.strLen !== bytes.length) {
      env.vlog('String section is not at the end');
      throw new Fail('EINVAL');
    }
    env.strStart = strStart;
    env.strLen = h.strLen;
    if (
      !h.strLen ||
      h.strLen - 1 > BTF_MAX_NAME_OFFSET ||
      bytes[strStart + h.strLen - 1] ||
      bytes[strStart]
    ) {
      env.vlog('Invalid string section');
      throw new Fail('EINVAL');
    }
    // btf_parse_type_sec
    if (h.typeOff & 3) {
      env.vlog('Unaligned type_off');
      throw new Fail('EINVAL');
    }
    if (!h.typeLen) {
      env.vlog('No type found');
      throw new Fail('EINVAL');
    }
    checkAllMetas(env, body + h.typeOff, h.typeLen);
    checkAllTypes(env);
    checkTypeTags(env);
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    errno = e.errno;
  }
  if (log.truncated) errno = 'ENOSPC';
  const result: CheckBtfLoadResult = { log: log.text, logTrueSize: log.trueSize };
  if (errno) result.errno = errno;
  return result;
}
