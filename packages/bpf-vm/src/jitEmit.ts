/**
 * JavaScript for one BPF instruction. Register n lives in two int32 locals,
 * `hN` (bits 63..32) and `lN` (bits 31..0); every expression keeps them
 * int32 so V8 compiles the arithmetic to machine words, and BigInt appears
 * only in the runtime's slow paths.
 */
import type { Insn } from './insn.js';

/** An operand: a register's words, or a sign-extended immediate's. */
interface Operand {
  h: string;
  l: string;
  /** Constant value of the low word, when an immediate. */
  imm?: number;
}

export const reg = (n: number): Operand => ({ h: `h${n}`, l: `l${n}` });
export const immOperand = (imm: number): Operand => ({
  h: imm < 0 ? '-1' : '0',
  l: String(imm | 0),
  imm: imm | 0,
});

function operand(insn: Insn): Operand {
  return insn.code & 0x08 ? reg(insn.src) : immOperand(insn.imm);
}

const bswap32 = (x: string) =>
  `(((${x} & 0xff) << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;

/** 64-bit ALU (class ALU64). */
function alu64(insn: Insn): string {
  const d = reg(insn.dst);
  const s = operand(insn);
  const op = insn.code & 0xf0;
  switch (op) {
    case 0x00:
      return `t = (${d.l} + ${s.l}) | 0; ${d.h} = (${d.h} + ${s.h} + ((t >>> 0) < (${d.l} >>> 0) ? 1 : 0)) | 0; ${d.l} = t;`;
    case 0x10:
      return `t = (${d.l} - ${s.l}) | 0; ${d.h} = (${d.h} - ${s.h} - ((${d.l} >>> 0) < (${s.l} >>> 0) ? 1 : 0)) | 0; ${d.l} = t;`;
    case 0x20: {
      const cross =
        s.imm === undefined
          ? `Math.imul(${d.l}, ${s.h}) + Math.imul(${d.h}, ${s.l})`
          : s.imm < 0
            ? `Math.imul(${d.h}, ${s.l}) - ${d.l}`
            : `Math.imul(${d.h}, ${s.l})`;
      return `t = Math.imul(${d.l}, ${s.l}); ${d.h} = (mulhi(${d.l}, ${s.l}) + ${cross}) | 0; ${d.l} = t;`;
    }
    case 0x30:
    case 0x90:
      return `${d.l} = rt.divmod(${op}, ${insn.off === 1}, ${d.h}, ${d.l}, ${s.h}, ${s.l}) | 0; ${d.h} = rt.th | 0;`;
    case 0x40:
      return `${d.h} |= ${s.h}; ${d.l} |= ${s.l};`;
    case 0x50:
      return `${d.h} &= ${s.h}; ${d.l} &= ${s.l};`;
    case 0xa0:
      return `${d.h} ^= ${s.h}; ${d.l} ^= ${s.l};`;
    case 0x60:
    case 0x70:
    case 0xc0:
      return s.imm === undefined ? shift64Var(op, d, s) : shift64Const(op, d, s.imm & 63);
    case 0x80:
      return `${d.l} = -${d.l} | 0; ${d.h} = (~${d.h} + (${d.l} === 0 ? 1 : 0)) | 0;`;
    case 0xb0:
      switch (insn.off) {
        case 8:
          return `${d.l} = (${s.l} << 24) >> 24; ${d.h} = ${d.l} >> 31;`;
        case 16:
          return `${d.l} = (${s.l} << 16) >> 16; ${d.h} = ${d.l} >> 31;`;
        case 32:
          return `${d.l} = ${s.l}; ${d.h} = ${d.l} >> 31;`;
        default:
          return `${d.h} = ${s.h}; ${d.l} = ${s.l};`;
      }
    case 0xd0:
      return bswap(insn.imm, d);
    default:
      throw new Error(`alu64 op ${op}`);
  }
}

function bswap(bits: number, d: Operand): string {
  if (bits === 16) return `${d.l} = ((${d.l} & 0xff) << 8) | ((${d.l} >>> 8) & 0xff); ${d.h} = 0;`;
  if (bits === 32) return `${d.l} = ${bswap32(d.l)}; ${d.h} = 0;`;
  return `t = ${bswap32(d.h)}; ${d.h} = ${bswap32(d.l)}; ${d.l} = t;`;
}

function shift64Const(op: number, d: Operand, n: number): string {
  if (n === 0) return '';
  if (op === 0x60) {
    if (n >= 32) return `${d.h} = ${d.l} << ${n - 32}; ${d.l} = 0;`;
    return `${d.h} = (${d.h} << ${n}) | (${d.l} >>> ${32 - n}); ${d.l} = ${d.l} << ${n};`;
  }
  if (op === 0x70) {
    if (n >= 32) return `${d.l} = (${d.h} >>> ${n - 32}) | 0; ${d.h} = 0;`;
    return `${d.l} = (${d.l} >>> ${n}) | (${d.h} << ${32 - n}); ${d.h} = (${d.h} >>> ${n}) | 0;`;
  }
  if (n >= 32) return `${d.l} = ${d.h} >> ${n - 32}; ${d.h} = ${d.h} >> 31;`;
  return `${d.l} = (${d.l} >>> ${n}) | (${d.h} << ${32 - n}); ${d.h} = ${d.h} >> ${n};`;
}

function shift64Var(op: number, d: Operand, s: Operand): string {
  const head = `t = ${s.l} & 63; if (t >= 32) { `;
  if (op === 0x60) {
    return `${head}${d.h} = ${d.l} << (t - 32); ${d.l} = 0; } else if (t !== 0) { ${d.h} = (${d.h} << t) | (${d.l} >>> (32 - t)); ${d.l} = ${d.l} << t; }`;
  }
  if (op === 0x70) {
    return `${head}${d.l} = (${d.h} >>> (t - 32)) | 0; ${d.h} = 0; } else if (t !== 0) { ${d.l} = (${d.l} >>> t) | (${d.h} << (32 - t)); ${d.h} = (${d.h} >>> t) | 0; }`;
  }
  return `${head}${d.l} = ${d.h} >> (t - 32); ${d.h} = ${d.h} >> 31; } else if (t !== 0) { ${d.l} = (${d.l} >>> t) | (${d.h} << (32 - t)); ${d.h} = ${d.h} >> t; }`;
}

/** 32-bit ALU (class ALU): operates on the low words, zeroes the high word. */
function alu32(insn: Insn): string {
  const d = reg(insn.dst);
  const s = operand(insn);
  const op = insn.code & 0xf0;
  const signed = insn.off === 1;
  const z = ` ${d.h} = 0;`;
  switch (op) {
    case 0x00:
      return `${d.l} = (${d.l} + ${s.l}) | 0;${z}`;
    case 0x10:
      return `${d.l} = (${d.l} - ${s.l}) | 0;${z}`;
    case 0x20:
      return `${d.l} = Math.imul(${d.l}, ${s.l});${z}`;
    case 0x30:
      if (signed) return `${d.l} = ${s.l} === 0 ? 0 : (${d.l} / ${s.l}) | 0;${z}`;
      return `${d.l} = ${s.l} === 0 ? 0 : ((${d.l} >>> 0) / (${s.l} >>> 0)) | 0;${z}`;
    case 0x90:
      if (signed) return `${d.l} = ${s.l} === 0 ? ${d.l} : (${d.l} % ${s.l}) | 0;${z}`;
      return `${d.l} = ${s.l} === 0 ? ${d.l} : ((${d.l} >>> 0) % (${s.l} >>> 0)) | 0;${z}`;
    case 0x40:
      return `${d.l} |= ${s.l};${z}`;
    case 0x50:
      return `${d.l} &= ${s.l};${z}`;
    case 0xa0:
      return `${d.l} ^= ${s.l};${z}`;
    case 0x60:
      return `${d.l} = ${d.l} << (${s.l} & 31);${z}`;
    case 0x70:
      return `${d.l} = (${d.l} >>> (${s.l} & 31)) | 0;${z}`;
    case 0xc0:
      return `${d.l} = ${d.l} >> (${s.l} & 31);${z}`;
    case 0x80:
      return `${d.l} = -${d.l} | 0;${z}`;
    case 0xb0:
      if (insn.off === 8) return `${d.l} = (${s.l} << 24) >> 24;${z}`;
      if (insn.off === 16) return `${d.l} = (${s.l} << 16) >> 16;${z}`;
      return `${d.l} = ${s.l};${z}`;
    case 0xd0:
      if (insn.code & 0x08) return bswap(insn.imm, d);
      if (insn.imm === 16) return `${d.l} &= 0xffff;${z}`;
      if (insn.imm === 32) return z.trim();
      return '';
    default:
      throw new Error(`alu32 op ${op}`);
  }
}

export function alu(insn: Insn): string {
  return (insn.code & 7) === 7 ? alu64(insn) : alu32(insn);
}

/** The condition of a conditional jump, as a JS boolean expression. */
export function condition(insn: Insn): string {
  const d = reg(insn.dst);
  const s = operand(insn);
  const op = insn.code & 0xf0;
  if ((insn.code & 7) === 6) {
    switch (op) {
      case 0x10:
        return `${d.l} === ${s.l}`;
      case 0x50:
        return `${d.l} !== ${s.l}`;
      case 0x40:
        return `(${d.l} & ${s.l}) !== 0`;
      case 0x20:
        return `(${d.l} >>> 0) > (${s.l} >>> 0)`;
      case 0x30:
        return `(${d.l} >>> 0) >= (${s.l} >>> 0)`;
      case 0xa0:
        return `(${d.l} >>> 0) < (${s.l} >>> 0)`;
      case 0xb0:
        return `(${d.l} >>> 0) <= (${s.l} >>> 0)`;
      case 0x60:
        return `${d.l} > ${s.l}`;
      case 0x70:
        return `${d.l} >= ${s.l}`;
      case 0xc0:
        return `${d.l} < ${s.l}`;
      case 0xd0:
        return `${d.l} <= ${s.l}`;
    }
  }
  const lo = (rel: string) => `(${d.l} >>> 0) ${rel} (${s.l} >>> 0)`;
  const hiU = (rel: string) => `(${d.h} >>> 0) ${rel} (${s.h} >>> 0)`;
  const hiS = (rel: string) => `${d.h} ${rel} ${s.h}`;
  const cmp = (hi: (r: string) => string, strict: string, rel: string) =>
    `(${d.h} === ${s.h} ? ${lo(rel)} : ${hi(strict)})`;
  switch (op) {
    case 0x10:
      return `(${d.l} === ${s.l} && ${d.h} === ${s.h})`;
    case 0x50:
      return `(${d.l} !== ${s.l} || ${d.h} !== ${s.h})`;
    case 0x40:
      return `((${d.l} & ${s.l}) | (${d.h} & ${s.h})) !== 0`;
    case 0x20:
      return cmp(hiU, '>', '>');
    case 0x30:
      return cmp(hiU, '>', '>=');
    case 0xa0:
      return cmp(hiU, '<', '<');
    case 0xb0:
      return cmp(hiU, '<', '<=');
    case 0x60:
      return cmp(hiS, '>', '>');
    case 0x70:
      return cmp(hiS, '>', '>=');
    case 0xc0:
      return cmp(hiS, '<', '<');
    case 0xd0:
      return cmp(hiS, '<', '<=');
    default:
      throw new Error(`jump op ${op}`);
  }
}

export function sizeOf(code: number): 1 | 2 | 4 | 8 {
  switch (code & 0x18) {
    case 0x10:
      return 1;
    case 0x08:
      return 2;
    case 0x00:
      return 4;
    default:
      return 8;
  }
}

/** Reads `size` bytes at offset `o` of cache `c` into the words of `d` (unsigned). */
function fastRead(c: string, size: number, d: Operand): string {
  switch (size) {
    case 1:
      return `${d.l} = ${c}.bytes[o]; ${d.h} = 0;`;
    case 2:
      return `${d.l} = ${c}.view.getUint16(o, true); ${d.h} = 0;`;
    case 4:
      return `${d.l} = ${c}.view.getInt32(o, true); ${d.h} = 0;`;
    default:
      return `v = ${c}.view; ${d.l} = v.getInt32(o, true); ${d.h} = v.getInt32(o + 4, true);`;
  }
}

function fastWrite(c: string, size: number, s: Operand): string {
  switch (size) {
    case 1:
      return `${c}.bytes[o] = ${s.l};`;
    case 2:
      return `${c}.view.setUint16(o, ${s.l}, true);`;
    case 4:
      return `${c}.view.setInt32(o, ${s.l}, true);`;
    default:
      return `v = ${c}.view; v.setInt32(o, ${s.l}, true); v.setInt32(o + 4, ${s.h}, true);`;
  }
}

/** The inline bounds check of a site: base register words, offset, cache name. */
function hit(base: Operand, off: number, c: string): string {
  return `(o = (${base.l} >>> 0) + ${off} - ${c}.l, ${base.h} === ${c}.h && o >= 0 && o <= ${c}.m)`;
}

/** A load into `dst` at `src + off`; `site` names the site cache. Sign-extends for MEMSX. */
export function load(insn: Insn, pc: number, site: number, probe: boolean): string {
  const size = sizeOf(insn.code);
  const d = reg(insn.dst);
  const b = reg(insn.src);
  const c = `c${site}`;
  let code = `if ${hit(b, insn.off, c)} { ${fastRead(c, size, d)} } else { ${d.l} = rt.ld(${c}, ${pc}, ${b.h}, ${b.l}, ${insn.off}, ${size}, ${probe}) | 0; ${d.h} = rt.th | 0; }`;
  if ((insn.code & 0xe0) === 0x80 && size < 8) {
    const shift = 32 - size * 8;
    code += shift ? ` ${d.l} = (${d.l} << ${shift}) >> ${shift};` : '';
    code += ` ${d.h} = ${d.l} >> 31;`;
  }
  return code;
}

/** A load whose value is discarded (the access of an instruction that then faults). */
export function probeOnlyLoad(insn: Insn, pc: number, base: number, probe: boolean): string {
  const b = reg(base);
  return `rt.ld(rt.scratch, ${pc}, ${b.h}, ${b.l}, ${insn.off}, ${sizeOf(insn.code)}, ${probe});`;
}

/** ST (immediate) or STX (register) of `size` bytes at `dst + off`. */
export function store(insn: Insn, pc: number, site: number): string {
  const size = sizeOf(insn.code);
  const b = reg(insn.dst);
  const s = (insn.code & 7) === 3 ? reg(insn.src) : immOperand(insn.imm);
  const c = `c${site}`;
  return `if ${hit(b, insn.off, c)} { ${fastWrite(c, size, s)} } else { rt.st(${c}, ${pc}, ${b.h}, ${b.l}, ${insn.off}, ${size}, ${s.h}, ${s.l}); }`;
}

/** An atomic operation (STX | ATOMIC). */
export function atomic(insn: Insn, pc: number): string {
  const size = sizeOf(insn.code);
  const b = reg(insn.dst);
  const s = reg(insn.src);
  const call = `rt.amo(${pc}, ${b.h}, ${b.l}, ${insn.off}, ${size}, ${insn.imm}, ${s.h}, ${s.l}, h0, l0)`;
  const op = insn.imm & ~1;
  if (op === 0xf0) return `l0 = ${call} | 0; h0 = rt.th | 0;`;
  if (op === 0x100) {
    const d = reg(insn.dst);
    return `${d.l} = ${call} | 0; ${d.h} = rt.th | 0;`;
  }
  if (op === 0x110) return `${call};`;
  if (op === 0xe0 || insn.imm & 1) return `${s.l} = ${call} | 0; ${s.h} = rt.th | 0;`;
  return `${call};`;
}
