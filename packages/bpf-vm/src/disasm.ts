/**
 * The disassembler: instruction text in the kernel's syntax, as
 * kernel/bpf/disasm.c print_bpf_insn() writes it for the verifier log and for
 * `bpftool prog dump xlated`.
 *
 * Two extensions, for forms the kernel never prints: `callx rN` (a call
 * through a register; the kernel would print it as a helper call) and, in
 * the `xlated` pseudo style, `map[idx:N]` (BPF_PSEUDO_MAP_IDX) and
 * `btf_id[N]` (BPF_PSEUDO_BTF_ID), so that every ld_imm64 source form can be
 * read back by the assembler.
 */
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MODE,
  BPF_MOV,
  BPF_NEG,
  BPF_OP,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_TO_BE,
  BPF_X,
  BPF_XCHG,
  helperNames,
} from '@tsbpf/uapi';
import { type Insn, isLdImm64 } from './insn.js';

/** BPF_MAY_GOTO: the src_reg of a BPF_JCOND that is `may_goto`. */
export const BPF_MAY_GOTO = 0;
/** insn->off of an ALU64 MOV X that is addr_space_cast. */
export const BPF_ADDR_SPACE_CAST = 1;
/** insn->off of an ALU64 MOV X that is a per-CPU address move. */
export const BPF_ADDR_PERCPU = -1;
/** BPF_ST mode 0xc0: the kernel-internal speculation barrier (no UAPI). */
export const BPF_NOSPEC = 0xc0;

/** Tables of kernel/bpf/disasm.c, indexed by BPF_OP >> 4 or BPF_SIZE >> 3. */
export const bpfAluString: readonly (string | undefined)[] = [
  '+=',
  '-=',
  '*=',
  '/=',
  '|=',
  '&=',
  '<<=',
  '>>=',
  'neg',
  '%=',
  '^=',
  '=',
  's>>=',
  'endian',
];
const aluSignString: Record<number, string> = { 3: 's/=', 9: 's%=' };
const movsxString: Record<number, string> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };
const atomicAluString: Record<number, string> = { 0: 'add', 4: 'or', 5: 'and', 10: 'xor' };
export const bpfLdstString: readonly string[] = ['u32', 'u16', 'u8', 'u64'];
const ldsxString: readonly (string | undefined)[] = ['s32', 's16', 's8', undefined];
export const bpfJmpString: readonly (string | undefined)[] = [
  'jmp',
  '==',
  '>',
  '>=',
  '&',
  '!=',
  's>',
  's>=',
  'call',
  'exit',
  '<',
  '<=',
  's<',
  's<=',
];
const str = (s: string | undefined): string => s ?? '(null)';

export interface FormatInsnOptions {
  /**
   * Name of helper `id` (with or without the `bpf_` prefix); the default is
   * uapi's table. An empty or undefined answer makes the call `unknown#id`.
   */
  helperName?: (id: number) => string | undefined;
  /**
   * The kernel's cb_call: text for a call the helper table does not name
   * (the part after `call pc` for bpf-to-bpf calls, the name before `#imm`
   * for kfuncs and unknown helpers). Undefined falls back to the kernel's
   * default (`+N`, `kernel-function`, `unknown`).
   */
  callName?: (insn: Insn) => string | undefined;
  /**
   * The kernel's cb_imm: the operand text of an ld_imm64. Overrides `pseudo`.
   */
  immName?: (insn: Insn, next: Insn | undefined, fullImm: bigint) => string | undefined;
  /**
   * How pseudo ld_imm64 forms print. `kernel` (default for formatInsn): as
   * the verifier log does, the full 64-bit value in hex. `xlated`: as
   * `bpftool prog dump xlated` does (`map[id:N]`, `map[id:N][0]+off`,
   * `map[idx:N]+off`, `subprog[+N]`), plus `map[idx:N]` and `btf_id[N]`.
   */
  pseudo?: 'kernel' | 'xlated';
  /** When false, map pointers of ld_imm64 print as 0x0 (the kernel's !allow_ptr_leaks). Default true. */
  allowPtrLeaks?: boolean;
  /** Append ` ll` to ld_imm64 constants, as llvm-objdump does. Default false. */
  ll?: boolean;
  /**
   * Print `callx` (0x8d) as the kernel's printer would, as a helper call
   * (`call bpf_unspec#0`), instead of `callx rN`. Default false.
   */
  kernelCallx?: boolean;
}

const sgn = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
const hex32 = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function helperLabel(id: number, opts: FormatInsnOptions | undefined): string | undefined {
  if (opts?.helperName) {
    const n = opts.helperName(id);
    if (!n) return undefined;
    return n.startsWith('bpf_') ? n : `bpf_${n}`;
  }
  return id >= 0 ? helperNames[id] : undefined;
}

/** The kernel's __func_get_name(). */
function funcName(insn: Insn, opts: FormatInsnOptions | undefined): string {
  if (insn.src === 0) {
    const n = helperLabel(insn.imm, opts);
    if (n) return n;
  }
  const cb = opts?.callName?.(insn);
  if (cb) return cb;
  if (insn.src === BPF_PSEUDO_CALL) return sgn(insn.imm);
  if (insn.src === BPF_PSEUDO_KFUNC_CALL) return 'kernel-function';
  return 'unknown';
}

function ldImm64Text(insn: Insn, next: Insn | undefined, opts: FormatInsnOptions | undefined): string {
  let full = (BigInt((next?.imm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
  const isPtr = insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE;
  if (isPtr && opts?.allowPtrLeaks === false) full = 0n;
  const cb = opts?.immName?.(insn, next, full);
  if (cb !== undefined) return cb;
  if (opts?.pseudo === 'xlated') {
    const nimm = next?.imm ?? 0;
    switch (insn.src) {
      case BPF_PSEUDO_MAP_FD:
        return `map[id:${insn.imm}]`;
      case BPF_PSEUDO_MAP_VALUE:
        return `map[id:${insn.imm}][0]+${nimm}`;
      case BPF_PSEUDO_MAP_IDX_VALUE:
        return `map[idx:${insn.imm}]+${nimm}`;
      case BPF_PSEUDO_FUNC:
        return `subprog[${sgn(insn.imm)}]`;
      case BPF_PSEUDO_MAP_IDX:
        return `map[idx:${insn.imm}]`;
      case BPF_PSEUDO_BTF_ID:
        return `btf_id[${insn.imm}]`;
    }
  }
  return `0x${full.toString(16)}${opts?.ll ? ' ll' : ''}`;
}

function atomicText(i: Insn): string {
  const sz = bpfLdstString[BPF_SIZE(i.code) >> 3]!;
  const w = BPF_SIZE(i.code) === BPF_DW ? '64' : '';
  const mem = `(${sz} *)(r${i.dst} ${sgn(i.off)})`;
  const base = i.imm & ~BPF_FETCH;
  const aluName = atomicAluString[base >> 4];
  if (aluName !== undefined && (i.imm & ~0xf1) === 0) {
    if (i.imm & BPF_FETCH) return `r${i.src} = atomic${w}_fetch_${aluName}(${mem}, r${i.src})`;
    return `lock *${mem} ${bpfAluString[base >> 4]} r${i.src}`;
  }
  if (i.imm === BPF_CMPXCHG) return `r0 = atomic${w}_cmpxchg(${mem}, r0, r${i.src})`;
  if (i.imm === BPF_XCHG) return `r${i.src} = atomic${w}_xchg(${mem}, r${i.src})`;
  if (i.imm === BPF_LOAD_ACQ) return `r${i.dst} = load_acquire((${sz} *)(r${i.src} ${sgn(i.off)}))`;
  if (i.imm === BPF_STORE_REL) return `store_release(${mem}, r${i.src})`;
  return `BUG_${hex2(i.code)}`;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * The text of the instruction at `pc` without the `(code) ` prefix
 * (`r1 = *(u32 *)(r1 +0)`). An ld_imm64 reads its second slot at pc + 1.
 */
export function formatInsnText(insns: readonly Insn[], pc: number, opts?: FormatInsnOptions): string {
  const i = insns[pc];
  if (!i) return '';
  const code = i.code;
  const cls = BPF_CLASS(code);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const r = cls === BPF_ALU ? 'w' : 'r';
    const op = BPF_OP(code);
    if (op === BPF_END) {
      if (cls === BPF_ALU64) return `r${i.dst} = bswap${i.imm} r${i.dst}`;
      return `r${i.dst} = ${BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le'}${i.imm} r${i.dst}`;
    }
    if (op === BPF_NEG) return `${r}${i.dst} = -${r}${i.dst}`;
    const isMovX = code === (BPF_ALU64 | BPF_MOV | BPF_X);
    if (isMovX && i.off === BPF_ADDR_SPACE_CAST) {
      return `r${i.dst} = addr_space_cast(r${i.src}, ${(i.imm >>> 16) & 0xffff}, ${i.imm & 0xffff})`;
    }
    if (isMovX && i.off === BPF_ADDR_PERCPU) return `r${i.dst} = &(void __percpu *)(r${i.src})`;
    const name = (i.off === 1 ? aluSignString[op >> 4] : undefined) ?? str(bpfAluString[op >> 4]);
    if (BPF_SRC(code) === BPF_X) {
      const sx = op === BPF_MOV ? (movsxString[i.off] ?? '') : '';
      return `${r}${i.dst} ${name} ${sx}${r}${i.src}`;
    }
    return `${r}${i.dst} ${name} ${i.imm}`;
  }
  if (cls === BPF_STX) {
    const mode = BPF_MODE(code);
    if (mode === BPF_MEM) {
      return `*(${bpfLdstString[BPF_SIZE(code) >> 3]} *)(r${i.dst} ${sgn(i.off)}) = r${i.src}`;
    }
    if (mode === BPF_ATOMIC) return atomicText(i);
    return `BUG_${hex2(code)}`;
  }
  if (cls === BPF_ST) {
    const mode = BPF_MODE(code);
    if (mode === BPF_MEM) {
      return `*(${bpfLdstString[BPF_SIZE(code) >> 3]} *)(r${i.dst} ${sgn(i.off)}) = ${i.imm}`;
    }
    if (mode === BPF_NOSPEC) return 'nospec';
    return `BUG_st_${hex2(code)}`;
  }
  if (cls === BPF_LDX) {
    const mode = BPF_MODE(code);
    if (mode !== BPF_MEM && mode !== BPF_MEMSX) return `BUG_ldx_${hex2(code)}`;
    const sz = mode === BPF_MEM ? bpfLdstString[BPF_SIZE(code) >> 3] : ldsxString[BPF_SIZE(code) >> 3];
    return `r${i.dst} = *(${str(sz)} *)(r${i.src} ${sgn(i.off)})`;
  }
  if (cls === BPF_LD) {
    const mode = BPF_MODE(code);
    const sz = bpfLdstString[BPF_SIZE(code) >> 3];
    if (mode === BPF_ABS) return `r0 = *(${sz} *)skb[${i.imm}]`;
    if (mode === BPF_IND) return `r0 = *(${sz} *)skb[r${i.src} + ${i.imm}]`;
    if (mode === BPF_IMM && BPF_SIZE(code) === BPF_DW) {
      return `r${i.dst} = ${ldImm64Text(i, insns[pc + 1], opts)}`;
    }
    return `BUG_ld_${hex2(code)}`;
  }
  // BPF_JMP / BPF_JMP32
  const op = BPF_OP(code);
  const r = cls === BPF_JMP32 ? 'w' : 'r';
  if (op === BPF_CALL) {
    if (code === (BPF_JMP | BPF_CALL | BPF_X) && !opts?.kernelCallx) return `callx r${i.dst}`;
    if (i.src === BPF_PSEUDO_CALL) return `call pc${funcName(i, opts)}`;
    return `call ${funcName(i, opts)}#${i.imm}`;
  }
  if (code === (BPF_JMP | BPF_JA)) return `goto pc${sgn(i.off)}`;
  if (code === (BPF_JMP | BPF_JA | BPF_X)) return `gotox r${i.dst}`;
  if (code === (BPF_JMP | BPF_JCOND) && i.src === BPF_MAY_GOTO) return `may_goto pc${sgn(i.off)}`;
  if (code === (BPF_JMP32 | BPF_JA)) return `gotol pc${sgn(i.imm)}`;
  if (code === (BPF_JMP | BPF_EXIT)) return 'exit';
  const name = str(bpfJmpString[op >> 4]);
  if (BPF_SRC(code) === BPF_X) return `if ${r}${i.dst} ${name} ${r}${i.src} goto pc${sgn(i.off)}`;
  return `if ${r}${i.dst} ${name} ${hex32(i.imm)} goto pc${sgn(i.off)}`;
}

/**
 * The instruction at `pc` as the verifier log prints it after `pc: `:
 * `(bf) r1 = r6`. Same signature as the verifier's formatter.
 */
export function formatInsn(insns: readonly Insn[], pc: number, opts?: FormatInsnOptions): string {
  const i = insns[pc];
  if (!i) return '';
  return `(${hex2(i.code)}) ${formatInsnText(insns, pc, opts)}`;
}

export interface DisassembleOptions extends FormatInsnOptions {
  /**
   * Line layout: `verifier` (`12: (bf) r1 = r6`, the default), `bpftool`
   * (`  12: (bf) r1 = r6`, pc right-aligned in 4 columns as
   * `bpftool prog dump xlated` prints it) or `plain` (`r1 = r6`, one line per
   * instruction, ready for the assembler).
   */
  layout?: 'verifier' | 'bpftool' | 'plain';
}

/**
 * A whole program, one instruction per line, each line ending in `\n`. The
 * second slot of an ld_imm64 gets no line of its own (pcs still count it).
 * Pseudo ld_imm64 forms print in the `xlated` style unless `pseudo` says
 * otherwise, so that the text assembles back to the same instructions.
 */
export function disassemble(insns: readonly Insn[], opts: DisassembleOptions = {}): string {
  const o: DisassembleOptions = { pseudo: 'xlated', ...opts };
  const layout = o.layout ?? 'verifier';
  let out = '';
  for (let pc = 0; pc < insns.length; pc++) {
    const insn = insns[pc]!;
    if (layout === 'plain') out += `${formatInsnText(insns, pc, o)}\n`;
    else {
      const num = layout === 'bpftool' ? String(pc).padStart(4) : String(pc);
      out += `${num}: ${formatInsn(insns, pc, o)}\n`;
    }
    if (isLdImm64(insn)) pc++;
  }
  return out;
}
