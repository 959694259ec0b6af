/**
 * The stack of a frame: spills and fills of registers (narrow ones too),
 * STACK_MISC/STACK_ZERO bytes, fixed and variable offsets
 * (check_stack_write_fixed_off, check_stack_read_fixed_off,
 * check_stack_write_var_off, check_stack_read_var_off, save_register_state).
 */
import { Reject } from './cfg.js';
import { tnumIsConst } from './domains/tnum.js';
import { cloneReg, constScalar, isPointer, type Reg, SLOT_CHAR, type StackSlot } from './regState.js';
import type { Frame } from './states.js';

/**
 * The loader is privileged (CAP_BPF + CAP_PERFMON, as bpftool as root and
 * every tracing program): reads of never-written stack give unknown scalars.
 */
export const ALLOW_UNINIT_STACK = true;

/** What the stack code needs from the verifier: slots to print, fresh ids. */
export interface StackCtx {
  scratchedStack: Set<number>;
  newId(): number;
}

/** check_stack_write_fixed_off (privileged loader). `valRegno` is -1 for BPF_ST. */
export function stackWrite(
  cx: StackCtx,
  fr: Frame,
  o: number,
  size: number,
  val: Reg,
  valRegno: number,
): undefined {
  const spi = Math.floor((-o - 1) / 8);
  cx.scratchedStack.add(spi);
  const aligned = o % 8 === 0;
  if (aligned && val.type === 'SCALAR_VALUE') {
    // scalars (and BPF_ST immediates) are spilled with their bounds, narrow ones too
    const v = cloneReg(val);
    const fits = regWidth(v) <= size * 8;
    if (fits && valRegno >= 0 && !v.id && !tnumIsConst(v.varOff)) {
      v.id = cx.newId();
      fr.regs[valRegno]!.id = v.id;
    }
    if (!fits) v.id = 0;
    saveRegisterState(fr, spi, v, size);
    return undefined;
  }
  if (isPointer(val)) {
    if (size !== 8) throw new Reject('EACCES', 'invalid size of register spill\n');
    saveRegisterState(fr, spi, cloneReg(val), 8);
    return undefined;
  }
  // a plain data write: STACK_ZERO for a known zero, STACK_MISC otherwise
  const isZero = tnumIsConst(val.varOff) && val.varOff.value === 0n;
  for (let b = 0; b < size; b++) setStackByte(cx, fr, o + b, isZero ? 'ZERO' : 'MISC');
  return undefined;
}

/** save_register_state: the top `size` bytes become STACK_SPILL, the rest keep ZERO/INVALID or become MISC. */
export function saveRegisterState(fr: Frame, spi: number, v: Reg, size: number): void {
  const old = fr.stack.get(spi);
  const types = old && !old.spilled ? [...old.types] : (Array(8).fill('INVALID') as StackSlot['types']);
  if (old?.spilled) for (let k = 0; k < 8; k++) types[k] = old.types[k] === 'SPILL' ? 'MISC' : old.types[k]!;
  for (let k = 0; k < 8; k++) {
    if (k >= 8 - size) types[k] = 'SPILL';
    else if (types[k] !== 'ZERO' && types[k] !== 'INVALID') types[k] = 'MISC';
  }
  fr.stack.set(spi, { types, spilled: v });
}

/** Marks one stack byte written with `type`, destroying a spill it hits. */
export function setStackByte(cx: StackCtx, fr: Frame, byteOff: number, type: 'ZERO' | 'MISC'): void {
  const spi = Math.floor((-byteOff - 1) / 8);
  const idx = (-byteOff - 1) % 8;
  let slot = fr.stack.get(spi);
  if (!slot) {
    slot = { types: Array(8).fill('INVALID'), spilled: undefined };
    fr.stack.set(spi, slot);
  }
  if (slot.spilled) {
    slot.types = slot.types.map((t) => (t === 'SPILL' ? 'MISC' : t));
    slot.spilled = undefined;
  }
  slot.types[idx] = type;
  cx.scratchedStack.add(spi);
}

/** check_stack_read_fixed_off (privileged loader: never-written bytes read as unknown). */
export function stackRead(cx: StackCtx, fr: Frame, o: number, size: number, regno: number): Reg | undefined {
  const spi = Math.floor((-o - 1) / 8);
  const slot = fr.stack.get(spi);
  cx.scratchedStack.add(spi);
  if (slot?.types[7] === 'SPILL' && slot.spilled) {
    let spillSize = 1;
    while (spillSize < 8 && slot.types[7 - spillSize] === 'SPILL') spillSize++;
    if (size === 8 && spillSize === 8) return cloneReg(slot.spilled);
    if (slot.spilled.type !== 'SCALAR_VALUE') throw new Reject('EACCES', 'invalid size of register fill\n');
    if (size <= spillSize && o % 8 === 0) {
      // a narrow fill of the spilled scalar; the load coerces it to `size`
      const r = cloneReg(slot.spilled);
      if (regWidth(r) > size * 8) r.id = 0;
      return r;
    }
    let spills = 0;
    let zeros = 0;
    for (let b = 0; b < size; b++) {
      const t = slot.types[(-(o + b) - 1) % 8];
      if (t === 'SPILL') spills++;
      else if (t === 'ZERO') zeros++;
    }
    const z = slot.spilled;
    if ((spills === size && tnumIsConst(z.varOff) && z.varOff.value === 0n) || zeros === size)
      return constScalar(0n);
    return undefined;
  }
  let allZero = true;
  for (let b = 0; b < size; b++) {
    const byteOff = o + b;
    const s = fr.stack.get(Math.floor((-byteOff - 1) / 8));
    const ty = s?.types[(-byteOff - 1) % 8] ?? 'INVALID';
    if (ty === 'INVALID' && !ALLOW_UNINIT_STACK)
      throw new Reject('EACCES', `invalid read from stack R${regno} off ${o}+${b} size ${size}\n`);
    if (ty !== 'ZERO') allZero = false;
  }
  return allZero ? constScalar(0n) : undefined;
}

/**
 * check_stack_write_var_off / check_stack_read_var_off: every byte the
 * access may touch becomes STACK_MISC (STACK_ZERO stays for a zero), a
 * read gives an unknown scalar (zero when all bytes are zero).
 */
export function stackVarAccess(
  cx: StackCtx,
  fr: Frame,
  minOff: number,
  maxOff: number,
  t: 'read' | 'write',
  val: Reg | undefined,
): Reg | undefined {
  const writingZero =
    val !== undefined && tnumIsConst(val.varOff) && val.varOff.value === 0n && val.type === 'SCALAR_VALUE';
  let zeros = 0;
  for (let byteOff = minOff; byteOff < maxOff; byteOff++) {
    const spi = Math.floor((-byteOff - 1) / 8);
    const idx = (-byteOff - 1) % 8;
    const ty = fr.stack.get(spi)?.types[idx] ?? 'INVALID';
    if (t === 'write') setStackByte(cx, fr, byteOff, writingZero && ty === 'ZERO' ? 'ZERO' : 'MISC');
    else if (ty === 'ZERO') zeros++;
  }
  if (t === 'write') return undefined;
  return zeros === maxOff - minOff ? constScalar(0n) : undefined;
}

/** The bytes above a narrow spill, printed before the spilled register ("????" of "fp-8=????1"). */
export function spillPrefix(slot: StackSlot): string {
  const first = slot.types.indexOf('SPILL');
  return slot.types
    .slice(0, first)
    .map((t) => SLOT_CHAR[t])
    .join('');
}

/** get_reg_width: bits needed for the largest unsigned value of a scalar. */
export function regWidth(r: Reg): number {
  return r.umax === 0n ? 0 : r.umax.toString(2).length;
}
