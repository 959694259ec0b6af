import { describe, expect, it } from 'vitest';
import { constScalar, formatReg, PTR_TRUSTED, pointer, unknownScalar } from './regState.js';
import { spillPrefix, stackRead, stackVarAccess, stackWrite } from './stack.js';
import type { Frame } from './states.js';
import { fakeBtf } from './testing/fakePlatform.js';

const btf = fakeBtf();
const seqFile = btf.findByName('seq_file', 'STRUCT')!;
function setup() {
  let id = 0;
  const cx = { scratchedStack: new Set<number>(), newId: () => ++id };
  const fr: Frame = { frameno: 0, callsite: -1, subprog: 0, regs: [], stack: new Map() };
  return { cx, fr };
}
const show = (r: ReturnType<typeof unknownScalar> | undefined) =>
  r ? formatReg(r, { btf, curFrame: 0 }) : 'unknown';

describe('stack spills and fills', () => {
  it('a spilled BTF pointer is filled back with its type', () => {
    const { cx, fr } = setup();
    stackWrite(cx, fr, -16, 8, pointer('PTR_TO_BTF_ID', PTR_TRUSTED, { btfId: seqFile }), 6);
    expect(show(stackRead(cx, fr, -16, 8, 10))).toBe('trusted_ptr_seq_file()');
  });
  it('a narrow store of a pointer is refused', () => {
    const { cx, fr } = setup();
    expect(() => stackWrite(cx, fr, -8, 4, pointer('PTR_TO_CTX'), 1)).toThrow(
      'invalid size of register spill',
    );
  });
  it('a narrow fill of a spilled pointer is refused', () => {
    const { cx, fr } = setup();
    stackWrite(cx, fr, -8, 8, pointer('PTR_TO_CTX'), 1);
    expect(() => stackRead(cx, fr, -8, 4, 10)).toThrow('invalid size of register fill');
  });
  it('a 4-byte constant spill prints as "????1" and fills back as the constant', () => {
    const { cx, fr } = setup();
    stackWrite(cx, fr, -8, 4, constScalar(1n), 2);
    const slot = fr.stack.get(0)!;
    expect(spillPrefix(slot) + show(slot.spilled)).toBe('????1');
    expect(show(stackRead(cx, fr, -8, 4, 10))).toBe('1');
  });
  it('an unknown scalar spill links the register and the slot by id', () => {
    const { cx, fr } = setup();
    const r = unknownScalar();
    fr.regs[2] = r;
    stackWrite(cx, fr, -8, 8, r, 2);
    expect(fr.stack.get(0)!.spilled!.id).toBe(1);
    expect(fr.regs[2]!.id).toBe(1);
  });
  it('a partial overwrite turns a spilled pointer into plain bytes', () => {
    const { cx, fr } = setup();
    stackWrite(cx, fr, -8, 8, pointer('PTR_TO_CTX'), 1);
    stackWrite(cx, fr, -4, 4, constScalar(0n), 2);
    expect(fr.stack.get(0)!.spilled).toBeUndefined();
    expect(show(stackRead(cx, fr, -8, 8, 10))).toBe('unknown');
  });
  it('zeros read back as zero, through a variable offset too', () => {
    const { cx, fr } = setup();
    stackWrite(cx, fr, -12, 4, constScalar(0n), 3); // not slot-aligned: STACK_ZERO bytes
    expect(fr.stack.get(1)!.types.join('')).toBe('ZEROZEROZEROZEROINVALIDINVALIDINVALIDINVALID');
    expect(show(stackRead(cx, fr, -12, 4, 10))).toBe('0');
    // half zero bytes, half never written: not known to be zero (Linux: unknown too)
    expect(show(stackRead(cx, fr, -16, 8, 10))).toBe('unknown');
    stackVarAccess(cx, fr, -24, -8, 'write', constScalar(0n));
    expect(show(stackVarAccess(cx, fr, -24, -8, 'read', undefined))).toBe('unknown');
  });
});
