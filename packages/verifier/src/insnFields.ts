/**
 * The fields an instruction must leave zero (the "uses reserved fields"
 * checks of check_alu_op, do_check_insn and check_cond_jmp_op).
 */
import type { Insn } from '@tsbpf/bpf-vm';
import { Reject } from './cfg.js';
import type { AluOp } from './domains/bounds.js';

/** check_alu_op's checks of the fields an ALU instruction must leave zero. */
export function checkAluFields(i: Insn, op: AluOp | 'mov' | 'end', alu32: boolean, x: boolean): void {
  let bad: boolean;
  let what = 'BPF_ALU';
  if (op === 'neg') {
    what = 'BPF_NEG';
    bad = x || i.src !== 0 || i.off !== 0 || i.imm !== 0;
  } else if (op === 'end') {
    what = 'BPF_END';
    bad = i.src !== 0 || i.off !== 0 || (i.imm !== 16 && i.imm !== 32 && i.imm !== 64) || (!alu32 && x);
  } else if (op === 'mov') {
    what = 'BPF_MOV';
    const offs = alu32 ? [0, 8, 16] : [0, 8, 16, 32];
    bad = x ? i.imm !== 0 || !offs.includes(i.off) : i.src !== 0 || i.off !== 0;
  } else {
    const badOff = (i.off !== 0 && i.off !== 1) || (i.off === 1 && op !== 'div' && op !== 'mod');
    bad = badOff || (x ? i.imm !== 0 : i.src !== 0);
  }
  if (bad) throw new Reject('EINVAL', `${what} uses reserved fields\n`);
}

/** do_check_insn / check_cond_jmp_op: the fields a jump must leave zero. */
export function checkJmpFields(i: Insn, jmp32: boolean): void {
  const op = i.code & 0xf0;
  const x = (i.code & 8) !== 0;
  if (op === 0x80) {
    if (
      x ||
      (i.src !== 2 && i.off !== 0) ||
      (i.src !== 0 && i.src !== 1 && i.src !== 2) ||
      i.dst !== 0 ||
      jmp32
    ) {
      throw new Reject('EINVAL', 'BPF_CALL uses reserved fields\n');
    }
  } else if (op === 0x00) {
    if (x || i.src !== 0 || i.dst !== 0 || (!jmp32 && i.imm !== 0) || (jmp32 && i.off !== 0)) {
      throw new Reject('EINVAL', 'BPF_JA uses reserved fields\n');
    }
  } else if (op === 0x90) {
    if (x || i.imm !== 0 || i.src !== 0 || i.dst !== 0 || jmp32)
      throw new Reject('EINVAL', 'BPF_EXIT uses reserved fields\n');
  } else if (op !== 0xe0 && (x ? i.imm !== 0 : i.src !== 0)) {
    throw new Reject('EINVAL', 'BPF_JMP/JMP32 uses reserved fields\n');
  }
}
