/**
 * BTF to compilable C, as libbpf's btf_dump (and so `bpftool btf dump file X
 * format c`) writes it: types topologically ordered so that embedded types
 * come first, forward declarations where a pointer suffices, duplicate names
 * renamed `name___N`, explicit padding, packed structs, bitfields and inline
 * anonymous structs, unions and enums.
 * @see tools/lib/bpf/btf_dump.c, tools/bpf/bpftool/btf.c (dump_btf_c)
 */
import { type Btf, BtfError } from './btf.js';
import { alignof, pointerSize, resolveSize } from './layout.js';
import type { BtfComposite, BtfEnum, BtfEnum64, BtfRef, BtfType } from './types.js';

export interface DumpCOptions {
  /**
   * Wrap the output the way bpftool does for vmlinux.h (include guard and
   * the preserve_access_index pragma). Default true.
   */
  header?: boolean;
  /** Only these root types (and what they need), in this order; default all. */
  rootIds?: number[];
  /**
   * Which libbpf's btf_dump to follow. 'libbpf-1.1' (default, bpftool 7.1 as
   * installed here): no enum mode attributes, kind_flag type tags printed as
   * btf_type_tag. 'latest': `__attribute__((mode(byte|word)))` on 1- and
   * 8-byte enums and `__attribute__((TAG))` for kind_flag type tags.
   */
  style?: 'libbpf-1.1' | 'latest';
  /** Overrides the style's choice for enum mode attributes. */
  enumModeAttrs?: boolean;
}

/** Output and padding limits that only malformed BTF reaches. */
const MAX_OUTPUT = 256 * 1024 * 1024;
const MAX_PADDING_BITS = 8 * 16 * 1024 * 1024;

// Order states: NOT_ORDERED is 0, the initial value of the state arrays.
const ORDERING = 1;
const ORDERED = 2;
const NOT_EMITTED = 0;
const EMITTING = 1;
const EMITTED = 2;

class CDumper {
  private readonly out: string[] = [];
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly cachedNames = new Map<number, string>();
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private queue: number[] = [];
  private readonly ptrSize: number;

  constructor(
    private readonly btf: Btf,
    private readonly enumModeAttrs: boolean,
    private readonly attrTypeTags: boolean,
  ) {
    const n = btf.endId;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    this.order[0] = ORDERED;
    this.emit[0] = EMITTED;
    this.ptrSize = pointerSize(btf);
    for (let id = 1; id < n; id++) this.markReferenced(this.btf.type(id) as BtfType);
  }

  private t(id: number): BtfType {
    return this.btf.type(id) as BtfType;
  }

  private outLen = 0;

  private p(s: string): void {
    this.outLen += s.length;
    if (this.outLen > MAX_OUTPUT) throw new BtfError('C dump exceeds 256 MiB (malformed sizes?)');
    this.out.push(s);
  }

  text(): string {
    return this.out.join('');
  }

  private markReferenced(t: BtfType): void {
    const r = this.referenced;
    switch (t.kind) {
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'PTR':
      case 'TYPEDEF':
      case 'FUNC':
      case 'VAR':
      case 'DECL_TAG':
      case 'TYPE_TAG':
        r[t.type] = 1;
        break;
      case 'ARRAY':
        r[t.indexType] = 1;
        r[t.type] = 1;
        break;
      case 'STRUCT':
      case 'UNION':
        for (const m of t.members) r[m.type] = 1;
        break;
      case 'FUNC_PROTO':
        for (const q of t.params) r[q.type] = 1;
        break;
      case 'DATASEC':
        for (const v of t.vars) r[v.type] = 1;
        break;
      default:
        break;
    }
  }

  dumpType(id: number): void {
    this.queue = [];
    this.orderType(id, false);
    for (const q of this.queue) this.emitType(q, 0);
  }

  private depth = 0;

  private enter(id: number): void {
    if (++this.depth > 2000) throw new BtfError(`type [${id}]: reference chain too deep (cycle?)`);
  }

  /** Returns 1 for a strong link, 0 for a weak one. */
  private orderType(id: number, throughPtr: boolean): number {
    this.enter(id);
    try {
      return this.orderTypeInner(id, throughPtr);
    } finally {
      this.depth--;
    }
  }

  private orderTypeInner(id: number, throughPtr: boolean): number {
    if (this.order[id] === ORDERED) return 1;
    const t = this.t(id);
    if (this.order[id] === ORDERING) {
      if ((t.kind === 'STRUCT' || t.kind === 'UNION') && throughPtr && t.name !== '') return 0;
      throw new BtfError(`unsatisfiable type cycle, id:[${id}]`);
    }
    switch (t.kind) {
      case 'INT':
      case 'FLOAT':
        this.order[id] = ORDERED;
        return 0;
      case 'PTR': {
        const r = this.orderType(t.type, true);
        this.order[id] = ORDERED;
        return r;
      }
      case 'ARRAY':
        return this.orderType(t.type, false);
      case 'STRUCT':
      case 'UNION': {
        if (throughPtr && t.name !== '') return 0;
        this.order[id] = ORDERING;
        for (const m of t.members) this.orderType(m.type, false);
        if (t.name !== '') this.queue.push(id);
        this.order[id] = ORDERED;
        return 1;
      }
      case 'ENUM':
      case 'ENUM64':
      case 'FWD':
        if (t.name !== '' || !this.referenced[id]) this.queue.push(id);
        this.order[id] = ORDERED;
        return 1;
      case 'TYPEDEF': {
        const strong = this.orderType(t.type, throughPtr);
        if (throughPtr && !strong) return 0;
        this.queue.push(id);
        this.order[id] = ORDERED;
        return 1;
      }
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        return this.orderType(t.type, throughPtr);
      case 'FUNC_PROTO': {
        let strong = this.orderType(t.returnType, throughPtr) > 0;
        for (const q of t.params) if (this.orderType(q.type, throughPtr) > 0) strong = true;
        return strong ? 1 : 0;
      }
      default:
        this.order[id] = ORDERED;
        return 0;
    }
  }

  private isBlacklisted(id: number): boolean {
    return this.t(id).name === '__builtin_va_list';
  }

  private emitType(id: number, contId: number): void {
    this.enter(id);
    try {
      this.emitTypeInner(id, contId);
    } finally {
      this.depth--;
    }
  }

  private emitTypeInner(id: number, contId: number): void {
    if (this.emit[id] === EMITTED) return;
    const t = this.t(id);
    const topLevel = contId === 0;
    if (this.emit[id] === EMITTING) {
      if (this.fwdEmitted[id]) return;
      if (t.kind === 'STRUCT' || t.kind === 'UNION') {
        if (id === contId) return;
        if (t.name === '') return;
        this.emitStructFwd(id, t);
        this.p(';\n\n');
        this.fwdEmitted[id] = 1;
      } else if (t.kind === 'TYPEDEF') {
        if (!this.isBlacklisted(id)) {
          this.emitTypedefDef(id, t, 0);
          this.p(';\n\n');
        }
        this.fwdEmitted[id] = 1;
      }
      return;
    }
    switch (t.kind) {
      case 'INT':
        this.emitMissingAliases(id);
        this.emit[id] = EMITTED;
        break;
      case 'ENUM':
      case 'ENUM64':
        if (topLevel) {
          this.emitEnumDef(id, t, 0);
          this.p(';\n\n');
        }
        this.emit[id] = EMITTED;
        break;
      case 'PTR':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        this.emitType(t.type, contId);
        break;
      case 'ARRAY':
        this.emitType(t.type, contId);
        break;
      case 'FWD':
        this.emitFwdDef(id);
        this.p(';\n\n');
        this.emit[id] = EMITTED;
        break;
      case 'TYPEDEF':
        this.emit[id] = EMITTING;
        this.emitType(t.type, id);
        if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
          this.emitTypedefDef(id, t, 0);
          this.p(';\n\n');
        }
        this.emit[id] = EMITTED;
        break;
      case 'STRUCT':
      case 'UNION':
        this.emit[id] = EMITTING;
        if (topLevel || t.name === '') {
          const newCont = t.name === '' ? contId : id;
          for (const m of t.members) this.emitType(m.type, newCont);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.emitStructFwd(id, t);
          this.p(';\n\n');
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(id, t, 0);
          this.p(';\n\n');
          this.emit[id] = EMITTED;
        } else {
          this.emit[id] = NOT_EMITTED;
        }
        break;
      case 'FUNC_PROTO':
        this.emitType(t.returnType, contId);
        for (const q of t.params) this.emitType(q.type, contId);
        break;
      default:
        break;
    }
  }

  private isPacked(t: BtfComposite): boolean {
    let max = 1;
    for (const m of t.members) {
      const a = alignof(this.btf, m.type, this.ptrSize);
      const bits = t.kflag ? m.bitfieldSize : 0;
      if (a && bits === 0 && m.bitOffset % (8 * a) !== 0) return true;
      if (a > max) max = a;
    }
    return t.size % max !== 0;
  }

  private emitBitPadding(
    curOff: number,
    nextOff: number,
    nextAlign: number,
    inBitfield: boolean,
    lvl: number,
  ): void {
    const pads: [string, number][] = [
      ['long', this.ptrSize * 8],
      ['int', 32],
      ['short', 16],
      ['char', 8],
    ];
    if (curOff >= nextOff) return;
    if (nextOff - curOff > MAX_PADDING_BITS)
      throw new BtfError(`padding of ${nextOff - curOff} bits between members (malformed struct?)`);
    let newOff = 0;
    let padBits = 0;
    let padType = '';
    const roundup = (x: number, y: number) => Math.ceil(x / y) * y;
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundup(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      if (
        inBitfield ||
        (newOff === nextOff && roundup(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      )
        this.p(`\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      curOff = newOff;
    }
    while (curOff !== nextOff) {
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.p(`\n${pfx(lvl)}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        const [name, pb] = pads[i]!;
        padType = name;
        padBits = pb;
        if (pb < bits) continue;
        this.p(`\n${pfx(lvl)}${name}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  private emitStructFwd(id: number, t: BtfComposite): void {
    this.p(`${t.kind === 'STRUCT' ? 'struct' : 'union'}${t.name ? ' ' : ''}${this.typeName(id)}`);
  }

  private emitStructDef(id: number, t: BtfComposite, lvl: number): void {
    const isStruct = t.kind === 'STRUCT';
    const align = alignof(this.btf, id, this.ptrSize);
    const packed = isStruct ? this.isPacked(t) : false;
    this.p(`${isStruct ? 'struct' : 'union'}${t.name ? ' ' : ''}${this.typeName(id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      let mSz = t.kflag ? m.bitfieldSize : 0;
      const mOff = m.bitOffset;
      const mAlign = packed ? 1 : alignof(this.btf, m.type, this.ptrSize);
      const inBitfield = prevBitfield && mSz !== 0;
      this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      this.p(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(m.type, m.name, lvl + 1);
      if (mSz) {
        this.p(`: ${mSz}`);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        let sz = 0;
        try {
          sz = resolveSize(this.btf, m.type, this.ptrSize);
        } catch {
          sz = 0;
        }
        mSz = Math.max(0, sz);
        off = mOff + mSz * 8;
        prevBitfield = false;
      }
      this.p(';');
    }
    if (isStruct) this.emitBitPadding(off, t.size * 8, align, false, lvl + 1);
    if (t.members.length || t.size) this.p(`\n${pfx(lvl)}}`);
    else this.p('}');
    if (packed) this.p(' __attribute__((packed))');
  }

  private emitMissingAliases(id: number): void {
    const missing: Record<string, string> = {
      __Poly8_t: 'unsigned char',
      __Poly16_t: 'unsigned short',
      __Poly64_t: 'unsigned long long',
      __Poly128_t: 'unsigned __int128',
    };
    const name = this.typeName(id);
    const alias = missing[name];
    if (alias) this.p(`typedef ${alias} ${name};\n\n`);
  }

  private emitEnumDef(id: number, t: BtfEnum | BtfEnum64, lvl: number): void {
    this.p(`enum${t.name ? ' ' : ''}${this.typeName(id)}`);
    if (t.values.length === 0) return;
    this.p(' {');
    for (const v of t.values) {
      const dup = this.nameDups(this.identNames, v.name);
      const name = dup > 1 ? `${v.name}___${dup}` : v.name;
      let val: string;
      if (t.kind === 'ENUM') val = t.signed ? String(Number(v.value) | 0) : String(Number(v.value) >>> 0);
      else
        val = t.signed
          ? `${BigInt.asIntN(64, BigInt(v.value))}LL`
          : `${BigInt.asUintN(64, BigInt(v.value))}ULL`;
      this.p(`\n${pfx(lvl + 1)}${name} = ${val},`);
    }
    this.p(`\n${pfx(lvl)}}`);
    if (!this.enumModeAttrs) return;
    if (t.size === 1) this.p(' __attribute__((mode(byte)))');
    else if (t.size === 8 && this.ptrSize === 8) {
      let word = true;
      if (t.kind === 'ENUM64') word = !t.values.some((v) => BigInt.asUintN(64, v.value) >> 32n !== 0n);
      if (word) this.p(' __attribute__((mode(word)))');
    }
  }

  private emitFwdDef(id: number): void {
    const t = this.t(id);
    const name = this.typeName(id);
    this.p(t.kind === 'FWD' && t.union ? `union ${name}` : `struct ${name}`);
  }

  private emitTypedefDef(id: number, t: BtfRef, lvl: number): void {
    const name = this.identName(id);
    if (t.type === 0 && name === '__gnuc_va_list') {
      this.p('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.p('typedef ');
    this.emitTypeDecl(t.type, name, lvl);
  }

  private emitTypeDecl(id: number, fname: string, lvl: number): void {
    const stack: number[] = [];
    this.enter(id);
    for (;;) {
      stack.push(id);
      if (stack.length > 2000) throw new BtfError(`type [${id}]: declaration chain too long (cycle?)`);
      if (id === 0) break;
      const t = this.t(id);
      if (
        t.kind === 'PTR' ||
        t.kind === 'VOLATILE' ||
        t.kind === 'CONST' ||
        t.kind === 'RESTRICT' ||
        t.kind === 'TYPE_TAG'
      ) {
        id = t.type;
      } else if (t.kind === 'FUNC_PROTO') {
        id = t.returnType;
      } else if (t.kind === 'ARRAY') {
        id = t.type;
      } else break;
    }
    this.emitTypeChain(stack, fname, lvl);
    this.depth--;
  }

  private isMod(id: number): boolean {
    if (id === 0) return false;
    const k = this.t(id).kind;
    return k === 'VOLATILE' || k === 'CONST' || k === 'RESTRICT' || k === 'TYPE_TAG';
  }

  private emitMods(decls: number[]): void {
    while (decls.length) {
      const id = decls[decls.length - 1]!;
      if (id === 0) return;
      const k = this.t(id).kind;
      if (k === 'VOLATILE') this.p('volatile ');
      else if (k === 'CONST') this.p('const ');
      else if (k === 'RESTRICT') this.p('restrict ');
      else return;
      decls.pop();
    }
  }

  private dropMods(decls: number[]): void {
    while (decls.length && this.isMod(decls[decls.length - 1]!)) decls.pop();
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    this.p(`${name && !lastWasPtr ? ' ' : ''}${name}`);
  }

  private emitTypeChain(decls: number[], fname: string, lvl: number): void {
    let lastWasPtr = true;
    while (decls.length) {
      const id = decls.pop()!;
      if (id === 0) {
        this.emitMods(decls);
        this.p('void');
        lastWasPtr = false;
        continue;
      }
      const t = this.t(id);
      switch (t.kind) {
        case 'INT':
        case 'FLOAT':
          this.emitMods(decls);
          this.p(t.name);
          break;
        case 'STRUCT':
        case 'UNION':
          this.emitMods(decls);
          if (t.name === '') this.emitStructDef(id, t, lvl);
          else this.emitStructFwd(id, t);
          break;
        case 'ENUM':
        case 'ENUM64':
          this.emitMods(decls);
          if (t.name === '') this.emitEnumDef(id, t, lvl);
          else this.p(`enum ${this.typeName(id)}`);
          break;
        case 'FWD':
          this.emitMods(decls);
          this.emitFwdDef(id);
          break;
        case 'TYPEDEF':
          this.emitMods(decls);
          this.p(this.identName(id));
          break;
        case 'PTR':
          this.p(lastWasPtr ? '*' : ' *');
          break;
        case 'VOLATILE':
          this.p(' volatile');
          break;
        case 'CONST':
          this.p(' const');
          break;
        case 'RESTRICT':
          this.p(' restrict');
          break;
        case 'TYPE_TAG':
          this.emitMods(decls);
          this.p(
            t.attr && this.attrTypeTags
              ? ` __attribute__((${t.name}))`
              : ` __attribute__((btf_type_tag("${t.name}")))`,
          );
          break;
        case 'ARRAY': {
          this.dropMods(decls);
          if (decls.length === 0) {
            this.emitName(fname, lastWasPtr);
            this.p(`[${t.nelems}]`);
            return;
          }
          const next = decls[decls.length - 1]!;
          const multidim = next !== 0 && this.t(next).kind === 'ARRAY';
          if (fname && !lastWasPtr) this.p(' ');
          if (!multidim) this.p('(');
          this.emitTypeChain(decls, fname, lvl);
          if (!multidim) this.p(')');
          this.p(`[${t.nelems}]`);
          return;
        }
        case 'FUNC_PROTO': {
          this.dropMods(decls);
          if (decls.length) {
            this.p(' (');
            this.emitTypeChain(decls, fname, lvl);
            this.p(')');
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.p('(');
          const ps = t.params;
          if (ps.length === 0 || (ps.length === 1 && ps[0]!.type === 0)) {
            this.p('void)');
            return;
          }
          for (let i = 0; i < ps.length; i++) {
            if (i > 0) this.p(', ');
            const q = ps[i]!;
            if (i === ps.length - 1 && q.type === 0) {
              this.p('...');
              break;
            }
            this.emitTypeDecl(q.type, q.name, lvl);
          }
          this.p(')');
          return;
        }
        default:
          return;
      }
      lastWasPtr = t.kind === 'PTR';
    }
    this.emitName(fname, lastWasPtr);
  }

  private nameDups(map: Map<string, number>, name: string): number {
    const n = (map.get(name) ?? 0) + 1;
    map.set(name, n);
    return n;
  }

  private resolveName(id: number, map: Map<string, number>): string {
    const t = this.t(id);
    if (t.name === '') return '';
    if (this.nameResolved[id]) return this.cachedNames.get(id) ?? t.name;
    this.nameResolved[id] = 1;
    if (t.kind === 'FWD' || (t.kind === 'ENUM' && t.values.length === 0)) return t.name;
    const dup = this.nameDups(map, t.name);
    if (dup > 1) {
      const n = `${t.name}___${dup}`;
      this.cachedNames.set(id, n);
      return n;
    }
    return t.name;
  }

  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }

  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }
}

const TABS = '\t'.repeat(13);
function pfx(lvl: number): string {
  return lvl >= TABS.length ? TABS : TABS.slice(0, lvl);
}

const HEADER =
  '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n';
const FOOTER =
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';

/**
 * The C header `bpftool btf dump file FILE format c` prints (vmlinux.h):
 * every type of the BTF (base types included for a split BTF), in
 * btf_dump's order, inside bpftool's include guard and pragma.
 */
export function dumpC(btf: Btf, options: DumpCOptions = {}): string {
  const latest = options.style === 'latest';
  const d = new CDumper(btf, options.enumModeAttrs ?? latest, latest);
  if (options.rootIds) for (const id of options.rootIds) d.dumpType(id);
  else for (let id = 1; id < btf.endId; id++) d.dumpType(id);
  const body = d.text();
  return options.header === false ? body : HEADER + body + FOOTER;
}
