/**
 * The assembler: reads the kernel's instruction syntax (what `formatInsn`,
 * the verifier log and `bpftool prog dump xlated` print) back into
 * instruction slots.
 *
 * One instruction per line. A line may start with the listing prefixes
 * `12:` (checked against the slot index) and `(bf)` (checked against the
 * assembled opcode), and with labels (`loop:`). Jump and call targets are
 * `pc+N`, `+N`, `-N` or a label. `;` and `//` start a comment, as does `#`
 * at the start of a line. Decimal `r1 = 5` is a mov; hex `r1 = 0x5`, or any
 * constant followed by `ll`, is an ld_imm64 (the kernel prints ALU
 * immediates in decimal and ld_imm64 constants in hex).
 */
import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_IND,
  BPF_JA,
  BPF_JCOND,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_RSH,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  helperNames,
} from '@tsbpf/uapi';
import { BPF_ADDR_PERCPU, BPF_ADDR_SPACE_CAST, BPF_MAY_GOTO, BPF_NOSPEC } from './disasm.js';
import { type Insn, LDDW } from './insn.js';

/** A syntax error, with the 1-based line and column where it is. */
export class AsmError extends Error {
  override name = 'AsmError';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${line}:${column}: ${detail}`);
  }
}

export interface AsmOptions {
  /** Helper id for a `call name` (default: uapi's table of `bpf_*` names). */
  helperId?: (name: string) => number | undefined;
}

/** Highest register number accepted (r11 is the kernel's BPF_REG_AX). */
const MAX_REG = 11;

const SIZES: Record<string, number> = { u8: BPF_B, u16: BPF_H, u32: BPF_W, u64: BPF_DW };
const SSIZES: Record<string, number> = { s8: BPF_B, s16: BPF_H, s32: BPF_W };
const ALU_OPS: Record<string, [op: number, off: number]> = {
  '+=': [BPF_ADD, 0],
  '-=': [BPF_SUB, 0],
  '*=': [BPF_MUL, 0],
  '/=': [BPF_DIV, 0],
  's/=': [BPF_DIV, 1],
  '|=': [BPF_OR, 0],
  '&=': [BPF_AND, 0],
  '<<=': [BPF_LSH, 0],
  '>>=': [BPF_RSH, 0],
  '%=': [BPF_MOD, 0],
  's%=': [BPF_MOD, 1],
  '^=': [BPF_XOR, 0],
  '=': [BPF_MOV, 0],
  's>>=': [BPF_ARSH, 0],
};
const JMP_OPS: Record<string, number> = {
  '==': BPF_JEQ,
  '>': BPF_JGT,
  '>=': BPF_JGE,
  '&': BPF_JSET,
  '!=': BPF_JNE,
  's>': BPF_JSGT,
  's>=': BPF_JSGE,
  '<': BPF_JLT,
  '<=': BPF_JLE,
  's<': BPF_JSLT,
  's<=': BPF_JSLE,
};
const ATOMIC_OPS: Record<string, number> = { add: BPF_ADD, or: BPF_OR, and: BPF_AND, xor: BPF_XOR };
const LOCK_OPS: Record<string, number> = { '+=': BPF_ADD, '|=': BPF_OR, '&=': BPF_AND, '^=': BPF_XOR };
const MOVSX: Record<string, number> = { '(s8)': 8, '(s16)': 16, '(s32)': 32 };

let defaultHelperIds: Map<string, number> | undefined;
function defaultHelperId(name: string): number | undefined {
  if (!defaultHelperIds) {
    defaultHelperIds = new Map();
    helperNames.forEach((n, id) => {
      if (n) defaultHelperIds!.set(n, id);
    });
  }
  return defaultHelperIds.get(name);
}

// Regular expression fragments. Every capture is numbered in the patterns below.
const NUM = '([+-]?\\s*(?:0[xX][0-9a-fA-F]+|\\d+))';
const REG = '([rw])(\\d+)';
const TARGET = '((?:pc\\s*)?[+-]\\s*\\d+|[A-Za-z_.$][\\w.$]*)';
/** `(u32 *)(r1 +0)`: size, base register, offset (optional). */
const MEM = '\\(\\s*([us](?:8|16|32|64))\\s*\\*\\s*\\)\\s*\\(\\s*r(\\d+)\\s*(?:([+-]\\s*\\d+))?\\s*\\)';
const IDENT = '[A-Za-z_.$][\\w.$-]*';

const re = (s: string) => new RegExp(`^${s}$`, 'd');

interface Fixup {
  pc: number;
  label: string;
  field: 'off' | 'imm';
  line: number;
  column: number;
}

interface Ctx {
  line: number;
  /** Column (0-based) of the instruction text within the line. */
  base: number;
  pc: number;
  fixups: Fixup[];
  opts: AsmOptions | undefined;
}

type Match = RegExpMatchArray & { indices: Array<[number, number] | undefined> };
type Handler = (m: Match, c: Ctx) => Insn[];

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

function fail(c: Ctx, m: Match | undefined, group: number, detail: string): never {
  const at = m?.indices[group]?.[0] ?? 0;
  throw new AsmError(c.line, c.base + at + 1, detail);
}

function parseBig(text: string): bigint {
  const t = text.replace(/\s+/g, '');
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  const v = BigInt(body);
  return neg ? -v : v;
}

function num(c: Ctx, m: Match, g: number, min: bigint, max: bigint, what: string): bigint {
  const v = parseBig(m[g]!);
  if (v < min || v > max) fail(c, m, g, `${what} ${m[g]!.replace(/\s+/g, '')} out of range [${min}, ${max}]`);
  return v;
}

/** A 32-bit immediate: signed or unsigned text, stored as int32. */
const imm32 = (c: Ctx, m: Match, g: number, what = 'immediate') =>
  Number(BigInt.asIntN(32, num(c, m, g, -(1n << 31n), (1n << 32n) - 1n, what)));
const off16 = (c: Ctx, m: Match, g: number, what = 'offset') =>
  m[g] === undefined ? 0 : Number(num(c, m, g, -(1n << 15n), (1n << 15n) - 1n, what));

function reg(c: Ctx, m: Match, g: number): number {
  const n = Number(m[g]);
  if (n > MAX_REG) {
    // Point at the register letter in front of the number.
    throw new AsmError(
      c.line,
      c.base + (m.indices[g]?.[0] ?? 1),
      `invalid register ${m[g - 1] === 'w' ? 'w' : 'r'}${m[g]} (r0..r${MAX_REG})`,
    );
  }
  return n;
}

/** Register pair of an ALU/JMP form: both must be r or both w; returns class width flag. */
function sameWidth(c: Ctx, m: Match, a: number, b: number): void {
  if (m[a] !== m[b]) fail(c, m, b, `register width mismatch: ${m[a]}${m[a + 1]} with ${m[b]}${m[b + 1]}`);
}

function sameReg(c: Ctx, m: Match, a: number, b: number, why: string): void {
  if (Number(m[a]) !== Number(m[b])) {
    // Point at the register letter in front of the number.
    const col = c.base + (m.indices[b]?.[0] ?? 1);
    throw new AsmError(c.line, col, `${why}: r${m[a]} and r${m[b]} must be the same register`);
  }
}

function memSize(c: Ctx, m: Match, g: number, signedOk = false): { size: number; signed: boolean } {
  const t = m[g]!;
  if (t in SIZES) return { size: SIZES[t]!, signed: false };
  if (signedOk && t in SSIZES) return { size: SSIZES[t]!, signed: true };
  return fail(c, m, g, `invalid access size ${t}`);
}

function target(c: Ctx, m: Match, g: number, field: 'off' | 'imm'): number {
  const t = m[g]!;
  const rel = /^(?:pc\s*)?([+-]\s*\d+)$/.exec(t);
  if (rel) {
    const v = parseBig(rel[1]!);
    const lim = field === 'off' ? 1n << 15n : 1n << 31n;
    if (v < -lim || v >= lim) fail(c, m, g, `jump offset ${t} out of range`);
    return Number(v);
  }
  c.fixups.push({ pc: c.pc, label: t, field, line: c.line, column: c.base + (m.indices[g]?.[0] ?? 0) + 1 });
  return 0;
}

function ldImm64(dst: number, src: number, lo: number, hi: number): Insn[] {
  return [insn(LDDW, dst, src, 0, lo | 0), insn(0, 0, 0, 0, hi | 0)];
}

const PATTERNS: [RegExp, Handler][] = [
  [re('exit'), () => [insn(BPF_JMP | BPF_EXIT)]],
  [re('nospec'), () => [insn(BPF_ST | BPF_NOSPEC)]],
  [re(`goto\\s+${TARGET}`), (m, c) => [insn(BPF_JMP | BPF_JA, 0, 0, target(c, m, 1, 'off'))]],
  [re(`gotol\\s+${TARGET}`), (m, c) => [insn(BPF_JMP32 | BPF_JA, 0, 0, 0, target(c, m, 1, 'imm'))]],
  [re('gotox\\s+r(\\d+)'), (m, c) => [insn(BPF_JMP | BPF_JA | BPF_X, reg(c, m, 1))]],
  [
    re(`may_goto\\s+${TARGET}`),
    (m, c) => [insn(BPF_JMP | BPF_JCOND, 0, BPF_MAY_GOTO, target(c, m, 1, 'off'))],
  ],
  [re('callx\\s+r(\\d+)'), (m, c) => [insn(BPF_JMP | BPF_CALL | BPF_X, reg(c, m, 1))]],
  [
    re(`call\\s+pc\\s*([+-]\\s*\\d+)`),
    (m, c) => [insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm32(c, m, 1))],
  ],
  [
    re(`call\\s+(${IDENT})(?:\\s*#\\s*${NUM})?`),
    (m, c) => {
      const name = m[1]!;
      const given = m[2] === undefined ? undefined : imm32(c, m, 2, 'call id');
      const code = BPF_JMP | BPF_CALL;
      if (name === 'kernel-function') {
        if (given === undefined) fail(c, m, 1, 'call kernel-function needs #<btf id>');
        return [insn(code, 0, BPF_PSEUDO_KFUNC_CALL, 0, given)];
      }
      if (name === 'unknown') {
        if (given === undefined) fail(c, m, 1, 'call unknown needs #<helper id>');
        return [insn(code, 0, 0, 0, given)];
      }
      const id = c.opts?.helperId ? c.opts.helperId(name) : defaultHelperId(name);
      if (id !== undefined) {
        if (given !== undefined && given !== id) fail(c, m, 2, `helper ${name} is #${id}, not #${given}`);
        return [insn(code, 0, 0, 0, id)];
      }
      // `name#id` for a name that is no helper: a kfunc as the verifier names it.
      if (given !== undefined) return [insn(code, 0, BPF_PSEUDO_KFUNC_CALL, 0, given)];
      // Otherwise a bpf-to-bpf call to a label.
      return [insn(code, 0, BPF_PSEUDO_CALL, 0, target(c, m, 1, 'imm'))];
    },
  ],
  [
    re(`if\\s+${REG}\\s*(s>=|s<=|s>|s<|==|!=|>=|<=|>|<|&)\\s*(?:${REG}|${NUM})\\s+goto\\s+${TARGET}`),
    (m, c) => {
      const cls = m[1] === 'w' ? BPF_JMP32 : BPF_JMP;
      const op = JMP_OPS[m[3]!]!;
      const dst = reg(c, m, 2);
      const off = target(c, m, 7, 'off');
      if (m[4] !== undefined) {
        sameWidth(c, m, 1, 4);
        return [insn(cls | op | BPF_X, dst, reg(c, m, 5), off)];
      }
      return [insn(cls | op | BPF_K, dst, 0, off, imm32(c, m, 6))];
    },
  ],
  [
    re(`lock\\s+\\*\\s*${MEM}\\s*(\\+=|\\|=|&=|\\^=)\\s*r(\\d+)`),
    (m, c) => {
      const { size } = memSize(c, m, 1);
      return [
        insn(BPF_STX | BPF_ATOMIC | size, reg(c, m, 2), reg(c, m, 5), off16(c, m, 3), LOCK_OPS[m[4]!]!),
      ];
    },
  ],
  [
    re(`r(\\d+)\\s*=\\s*atomic(64)?_(fetch_(?:add|or|and|xor)|xchg)\\(\\s*${MEM}\\s*,\\s*r(\\d+)\\s*\\)`),
    (m, c) => {
      const { size } = memSize(c, m, 4);
      if ((size === BPF_DW) !== (m[2] === '64'))
        fail(c, m, 4, `atomic${m[2] ?? ''} does not match access size ${m[4]}`);
      sameReg(c, m, 1, 7, 'atomic fetch');
      const op = m[3]!;
      const imm = op === 'xchg' ? BPF_XCHG : ATOMIC_OPS[op.slice(6)]! | BPF_FETCH;
      return [insn(BPF_STX | BPF_ATOMIC | size, reg(c, m, 5), reg(c, m, 7), off16(c, m, 6), imm)];
    },
  ],
  [
    re(`r0\\s*=\\s*atomic(64)?_cmpxchg\\(\\s*${MEM}\\s*,\\s*r0\\s*,\\s*r(\\d+)\\s*\\)`),
    (m, c) => {
      const { size } = memSize(c, m, 2);
      if ((size === BPF_DW) !== (m[1] === '64'))
        fail(c, m, 2, `atomic${m[1] ?? ''} does not match access size ${m[2]}`);
      return [insn(BPF_STX | BPF_ATOMIC | size, reg(c, m, 3), reg(c, m, 5), off16(c, m, 4), BPF_CMPXCHG)];
    },
  ],
  [
    re(`r(\\d+)\\s*=\\s*load_acquire\\(\\s*${MEM}\\s*\\)`),
    (m, c) => {
      const { size } = memSize(c, m, 2);
      return [insn(BPF_STX | BPF_ATOMIC | size, reg(c, m, 1), reg(c, m, 3), off16(c, m, 4), BPF_LOAD_ACQ)];
    },
  ],
  [
    re(`store_release\\(\\s*${MEM}\\s*,\\s*r(\\d+)\\s*\\)`),
    (m, c) => {
      const { size } = memSize(c, m, 1);
      return [insn(BPF_STX | BPF_ATOMIC | size, reg(c, m, 2), reg(c, m, 4), off16(c, m, 3), BPF_STORE_REL)];
    },
  ],
  [
    re(`\\*\\s*${MEM}\\s*=\\s*(?:r(\\d+)|${NUM})`),
    (m, c) => {
      const { size } = memSize(c, m, 1);
      const dst = reg(c, m, 2);
      const off = off16(c, m, 3);
      if (m[4] !== undefined) return [insn(BPF_STX | BPF_MEM | size, dst, reg(c, m, 4), off)];
      return [insn(BPF_ST | BPF_MEM | size, dst, 0, off, imm32(c, m, 5))];
    },
  ],
  [
    re(`r(\\d+)\\s*=\\s*\\*\\s*${MEM}`),
    (m, c) => {
      const { size, signed } = memSize(c, m, 2, true);
      return [
        insn(BPF_LDX | (signed ? BPF_MEMSX : BPF_MEM) | size, reg(c, m, 1), reg(c, m, 3), off16(c, m, 4)),
      ];
    },
  ],
  [
    re(
      `r0\\s*=\\s*\\*\\s*\\(\\s*(u8|u16|u32|u64)\\s*\\*\\s*\\)\\s*skb\\[\\s*(?:r(\\d+)\\s*\\+\\s*)?${NUM}\\s*\\]`,
    ),
    (m, c) => {
      const { size } = memSize(c, m, 1);
      const imm = imm32(c, m, 3);
      if (m[2] !== undefined) return [insn(BPF_LD | BPF_IND | size, 0, reg(c, m, 2), 0, imm)];
      return [insn(BPF_LD | BPF_ABS | size, 0, 0, 0, imm)];
    },
  ],
  [
    re('r(\\d+)\\s*=\\s*(bswap|be|le)(16|32|64)\\s+r(\\d+)'),
    (m, c) => {
      sameReg(c, m, 1, 4, m[2]!);
      const code =
        m[2] === 'bswap'
          ? BPF_ALU64 | BPF_END | BPF_TO_LE
          : BPF_ALU | BPF_END | (m[2] === 'be' ? BPF_TO_BE : BPF_TO_LE);
      return [insn(code, reg(c, m, 1), 0, 0, Number(m[3]))];
    },
  ],
  [
    re(`${REG}\\s*=\\s*-\\s*${REG}`),
    (m, c) => {
      sameWidth(c, m, 1, 3);
      sameReg(c, m, 2, 4, 'neg');
      return [insn((m[1] === 'w' ? BPF_ALU : BPF_ALU64) | BPF_NEG, reg(c, m, 2))];
    },
  ],
  [
    re(`r(\\d+)\\s*=\\s*addr_space_cast\\(\\s*r(\\d+)\\s*,\\s*${NUM}\\s*,\\s*${NUM}\\s*\\)`),
    (m, c) => {
      const a = Number(num(c, m, 3, 0n, 0xffffn, 'address space'));
      const b = Number(num(c, m, 4, 0n, 0xffffn, 'address space'));
      return [
        insn(BPF_ALU64 | BPF_MOV | BPF_X, reg(c, m, 1), reg(c, m, 2), BPF_ADDR_SPACE_CAST, (a << 16) | b | 0),
      ];
    },
  ],
  [
    re('r(\\d+)\\s*=\\s*&\\(\\s*void\\s+__percpu\\s*\\*\\s*\\)\\s*\\(\\s*r(\\d+)\\s*\\)'),
    (m, c) => [insn(BPF_ALU64 | BPF_MOV | BPF_X, reg(c, m, 1), reg(c, m, 2), BPF_ADDR_PERCPU)],
  ],
  [
    re(
      `r(\\d+)\\s*=\\s*map\\[\\s*(id|idx)\\s*:\\s*${NUM}\\s*\\](\\s*\\[\\s*0\\s*\\])?(?:\\s*\\+\\s*${NUM})?`,
    ),
    (m, c) => {
      const dst = reg(c, m, 1);
      const id = imm32(c, m, 3, 'map reference');
      const hasOff = m[5] !== undefined;
      const off = hasOff ? imm32(c, m, 5, 'map value offset') : 0;
      if (m[2] === 'id') {
        if (hasOff !== (m[4] !== undefined)) fail(c, m, 2, 'map value reference is written map[id:N][0]+off');
        return ldImm64(dst, hasOff ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD, id, off);
      }
      if (m[4] !== undefined) fail(c, m, 4, 'map[idx:N] takes no [0]');
      return ldImm64(dst, hasOff ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX, id, off);
    },
  ],
  [
    re(`r(\\d+)\\s*=\\s*subprog\\[\\s*${TARGET}\\s*\\]`),
    (m, c) => ldImm64(reg(c, m, 1), BPF_PSEUDO_FUNC, target(c, m, 2, 'imm'), 0),
  ],
  [
    re(`r(\\d+)\\s*=\\s*btf_id\\[\\s*${NUM}\\s*\\]`),
    (m, c) => ldImm64(reg(c, m, 1), BPF_PSEUDO_BTF_ID, imm32(c, m, 2, 'BTF id'), 0),
  ],
  [
    re(`r(\\d+)\\s*=\\s*(?:([+-]?\\s*0[xX][0-9a-fA-F]+)|${NUM}\\s+ll)(\\s+ll)?`),
    (m, c) => {
      const g = m[2] !== undefined ? 2 : 3;
      const v = BigInt.asUintN(64, num(c, m, g, -(1n << 63n), (1n << 64n) - 1n, '64-bit constant'));
      return ldImm64(reg(c, m, 1), 0, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
    },
  ],
  [
    re(
      `${REG}\\s*(s>>=|s/=|s%=|<<=|>>=|\\+=|-=|\\*=|/=|\\|=|&=|%=|\\^=|=)\\s*(?:(\\(s(?:8|16|32)\\))\\s*)?(?:${REG}|${NUM})`,
    ),
    (m, c) => {
      const cls = m[1] === 'w' ? BPF_ALU : BPF_ALU64;
      const [op, sOff] = ALU_OPS[m[3]!]!;
      const dst = reg(c, m, 2);
      if (m[5] !== undefined) {
        sameWidth(c, m, 1, 5);
        let off = sOff;
        if (m[4] !== undefined) {
          if (op !== BPF_MOV) fail(c, m, 4, `sign extension ${m[4]} only applies to =`);
          off = MOVSX[m[4]]!;
        }
        return [insn(cls | op | BPF_X, dst, reg(c, m, 6), off)];
      }
      if (m[4] !== undefined) fail(c, m, 4, `sign extension ${m[4]} needs a source register`);
      return [insn(cls | op | BPF_K, dst, 0, sOff, imm32(c, m, 7))];
    },
  ],
];

/** Parses one instruction (no prefixes, no comment). */
function parseInsn(text: string, c: Ctx): Insn[] {
  for (const [pattern, handler] of PATTERNS) {
    const m = pattern.exec(text) as Match | null;
    if (m) return handler(m, c);
  }
  const word = /^[^\s(*]*/.exec(text)?.[0] ?? '';
  throw new AsmError(
    c.line,
    c.base + 1,
    `cannot parse instruction '${text}'${word ? ` (at '${word}')` : ''}`,
  );
}

/** Strips a comment: `;` or `//` anywhere, `#` at the start of the line. */
function stripComment(line: string): string {
  if (/^\s*#/.test(line)) return '';
  let end = line.length;
  const semi = line.indexOf(';');
  if (semi >= 0) end = semi;
  const slashes = line.indexOf('//');
  if (slashes >= 0 && slashes < end) end = slashes;
  return line.slice(0, end);
}

/**
 * Assembles kernel-syntax text into instruction slots. Throws AsmError
 * (line:column: message) for anything it cannot read.
 */
export function assemble(source: string, opts?: AsmOptions): Insn[] {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const fixups: Fixup[] = [];
  const lines = source.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const text = stripComment(raw);
    let pos = 0;
    let codePrefix: { code: number; col: number } | undefined;
    for (;;) {
      const rest = text.slice(pos);
      const pcm = /^(\s*)(\d+):/.exec(rest);
      if (pcm) {
        const n = Number(pcm[2]);
        if (n !== out.length) {
          throw new AsmError(
            lineNo,
            pos + pcm[1]!.length + 1,
            `line says pc ${n}, but this is instruction ${out.length}`,
          );
        }
        pos += pcm[0].length;
        continue;
      }
      const lm = /^(\s*)([A-Za-z_.$][\w.$]*):(?!=)/.exec(rest);
      if (lm) {
        const name = lm[2]!;
        if (labels.has(name))
          throw new AsmError(lineNo, pos + lm[1]!.length + 1, `label '${name}' defined twice`);
        labels.set(name, out.length);
        pos += lm[0].length;
        continue;
      }
      const cm = /^(\s*)\(([0-9a-fA-F]{2})\)(?=\s)/.exec(rest);
      if (cm) {
        codePrefix = { code: Number.parseInt(cm[2]!, 16), col: pos + cm[1]!.length + 1 };
        pos += cm[0].length;
        continue;
      }
      break;
    }
    const rest = text.slice(pos);
    const body = rest.trim();
    if (!body) {
      if (codePrefix) throw new AsmError(lineNo, codePrefix.col, 'opcode prefix without an instruction');
      return;
    }
    const ctx: Ctx = {
      line: lineNo,
      base: pos + (rest.length - rest.trimStart().length),
      pc: out.length,
      fixups,
      opts,
    };
    const insns = parseInsn(body, ctx);
    if (codePrefix && codePrefix.code !== insns[0]!.code) {
      const h = (n: number) => n.toString(16).padStart(2, '0');
      throw new AsmError(
        lineNo,
        codePrefix.col,
        `opcode prefix (${h(codePrefix.code)}) does not match the instruction, which is (${h(insns[0]!.code)})`,
      );
    }
    out.push(...insns);
  });
  for (const f of fixups) {
    const at = labels.get(f.label);
    if (at === undefined) throw new AsmError(f.line, f.column, `unknown label '${f.label}'`);
    const rel = at - (f.pc + 1);
    const i = out[f.pc]!;
    if (f.field === 'off') {
      if (rel < -32768 || rel > 32767)
        throw new AsmError(f.line, f.column, `label '${f.label}' is too far for a 16-bit offset`);
      i.off = rel;
    } else i.imm = rel;
  }
  return out;
}
