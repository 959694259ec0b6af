import { MAX_BPF_STACK, MAX_CALL_FRAMES } from '@tsbpf/uapi';
import type { Executable, HelperTable, PrepareOptions, RunOptions } from './engine.js';
import { VmFault } from './engine.js';
import type { Insn } from './insn.js';
import { compileJit } from './jit.js';
import { type AddressSpace, MemoryFault, Region } from './memory.js';

const M64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & M64;
const u32 = (v: bigint): bigint => v & 0xffffffffn;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
/** Sign-extended 32-bit immediate as u64. */
const immU64 = (imm: number): bigint => u64(BigInt(imm | 0));

/** Where each run's stacks live: a kernel-looking vmalloc address. */
const STACK_BASE = 0xffffc90000000000n;

function bswap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(i * 8)) & 0xffn);
  return out;
}

function sizeOf(code: number): 1 | 2 | 4 | 8 {
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

/** ALU operation on unsigned values of the given width; returns the unsigned result. */
function alu(op: number, dst: bigint, src: bigint, is64: boolean, off: number): bigint {
  const bits = is64 ? 64 : 32;
  const mask = is64 ? M64 : 0xffffffffn;
  const sgn = (v: bigint) => BigInt.asIntN(bits, v);
  dst &= mask;
  src &= mask;
  switch (op) {
    case 0x00:
      return (dst + src) & mask;
    case 0x10:
      return (dst - src) & mask;
    case 0x20:
      return (dst * src) & mask;
    case 0x30:
      if (src === 0n) return 0n;
      if (off === 1) return BigInt.asUintN(bits, sgn(dst) / sgn(src));
      return dst / src;
    case 0x40:
      return dst | src;
    case 0x50:
      return dst & src;
    case 0x60:
      return (dst << (src & BigInt(bits - 1))) & mask;
    case 0x70:
      return dst >> (src & BigInt(bits - 1));
    case 0x80:
      return -dst & mask;
    case 0x90:
      if (src === 0n) return dst;
      if (off === 1) {
        const a = sgn(dst);
        const b = sgn(src);
        return BigInt.asUintN(bits, a % b);
      }
      return dst % src;
    case 0xa0:
      return dst ^ src;
    case 0xb0:
      if (off === 8 || off === 16 || off === 32) return BigInt.asUintN(bits, BigInt.asIntN(off, src));
      return src;
    case 0xc0:
      return BigInt.asUintN(bits, sgn(dst) >> (src & BigInt(bits - 1)));
    default:
      throw new Error(`bad alu op ${op}`);
  }
}

function cond(op: number, a: bigint, b: bigint, bits: number): boolean | undefined {
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case 0x10:
      return a === b;
    case 0x20:
      return a > b;
    case 0x30:
      return a >= b;
    case 0x40:
      return (a & b) !== 0n;
    case 0x50:
      return a !== b;
    case 0x60:
      return sa > sb;
    case 0x70:
      return sa >= sb;
    case 0xa0:
      return a < b;
    case 0xb0:
      return a <= b;
    case 0xc0:
      return sa < sb;
    case 0xd0:
      return sa <= sb;
    default:
      return undefined;
  }
}

interface Frame {
  ret: number;
  saved: bigint[];
  fp: bigint;
}

/**
 * The reference interpreter: one instruction at a time, u64 registers as
 * BigInt, every memory access through the AddressSpace.
 */
export class Interpreter implements Executable {
  readonly engine = 'interp' as const;
  private readonly helpers: HelperTable;
  private readonly probe: ReadonlySet<number>;
  private readonly budget: number;

  constructor(
    private readonly insns: readonly Insn[],
    options: PrepareOptions = {},
  ) {
    this.helpers = options.helpers ?? new Map();
    this.probe = options.probeLoads ?? new Set();
    this.budget = options.budget ?? Number.POSITIVE_INFINITY;
  }

  run(options: RunOptions): bigint {
    const mem: AddressSpace = options.memory;
    const stackBytes = new Uint8Array(MAX_BPF_STACK * MAX_CALL_FRAMES);
    // Find a free stack slot (nested runs get their own).
    let base = STACK_BASE;
    while (mem.find(base, 1)) base += BigInt(stackBytes.length + 4096);
    const stack = mem.map(new Region('stack', base, stackBytes));
    try {
      return this.exec(mem, base + BigInt(MAX_BPF_STACK), options);
    } finally {
      mem.unmap(stack);
    }
  }

  private exec(mem: AddressSpace, fp0: bigint, options: RunOptions): bigint {
    const insns = this.insns;
    const r: bigint[] = new Array(11).fill(0n);
    (options.args ?? []).forEach((a, i) => {
      if (i < 5) r[i + 1] = u64(a);
    });
    r[10] = fp0;
    const frames: Frame[] = [];
    let pc = 0;
    let executed = 0;
    const fault = (kind: ConstructorParameters<typeof VmFault>[0], msg: string, cause?: unknown) =>
      new VmFault(kind, pc, msg, cause === undefined ? undefined : { cause });
    for (;;) {
      if (pc < 0 || pc >= insns.length) throw fault('bad-jump', `pc ${pc} outside the program`);
      if (++executed > this.budget) throw fault('budget', 'instruction budget exhausted');
      const insn = insns[pc]!;
      const { code, dst, src, off, imm } = insn;
      const cls = code & 7;
      if (dst > 10 || src > 10) throw fault('invalid-insn', `invalid register in insn ${code.toString(16)}`);
      switch (cls) {
        case 0x04: // ALU
        case 0x07: {
          // ALU64
          const is64 = cls === 7;
          const op = code & 0xf0;
          if (op === 0xd0) {
            const bits = imm;
            if (bits !== 16 && bits !== 32 && bits !== 64)
              throw fault('invalid-insn', `bad endian width ${imm}`);
            const v = r[dst]!;
            const swap = is64 || (code & 0x08) !== 0; // bswap, or to-be on a little-endian machine
            r[dst] = swap ? bswap(v, bits) : v & ((1n << BigInt(bits)) - 1n);
            break;
          }
          const s = code & 0x08 ? r[src]! : immU64(imm);
          const res = alu(op, r[dst]!, s, is64, off);
          r[dst] = is64 ? res : u32(res);
          break;
        }
        case 0x05: // JMP
        case 0x06: {
          // JMP32
          const op = code & 0xf0;
          if (op === 0x00) {
            pc += cls === 6 ? imm : off;
            break;
          }
          if (op === 0xe0) {
            // may_goto: the budget of a loop is not modelled; fall through.
            break;
          }
          if (op === 0x80) {
            if (src === 1) {
              if (frames.length + 1 >= MAX_CALL_FRAMES) throw fault('call-depth', 'call stack too deep');
              frames.push({ ret: pc + 1, saved: [r[6]!, r[7]!, r[8]!, r[9]!], fp: r[10]! });
              r[10] = r[10]! + BigInt(MAX_BPF_STACK);
              pc += imm + 1;
              continue;
            }
            const id = code & 0x08 ? Number(r[dst]!) : imm;
            const fn = this.helpers.get(id);
            if (!fn) throw fault('unknown-helper', `unknown helper ${id}`);
            try {
              r[0] = u64(
                fn({ memory: mem, runContext: options.runContext, pc }, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!),
              );
            } catch (err) {
              if (err instanceof VmFault) throw err;
              if (err instanceof MemoryFault) throw fault('memory', err.message, err);
              throw err;
            }
            break;
          }
          if (op === 0x90) {
            const f = frames.pop();
            if (!f) return r[0]!;
            [r[6], r[7], r[8], r[9]] = f.saved as [bigint, bigint, bigint, bigint];
            r[10] = f.fp;
            pc = f.ret;
            continue;
          }
          const bits = cls === 6 ? 32 : 64;
          const mask = bits === 32 ? 0xffffffffn : M64;
          const a = r[dst]! & mask;
          const b = (code & 0x08 ? r[src]! : immU64(imm)) & mask;
          const c = cond(op, a, b, bits);
          if (c === undefined) throw fault('invalid-insn', `unknown jump opcode ${code.toString(16)}`);
          if (c) pc += off;
          break;
        }
        case 0x00: {
          // LD
          if (code !== 0x18) throw fault('invalid-insn', `unsupported ld opcode ${code.toString(16)}`);
          const hi = insns[pc + 1];
          if (!hi) throw fault('invalid-insn', 'truncated lddw');
          r[dst] = (BigInt(hi.imm >>> 0) << 32n) | BigInt(imm >>> 0);
          pc += 2;
          continue;
        }
        case 0x01: {
          // LDX
          const size = sizeOf(code);
          const mode = code & 0xe0;
          const addr = u64(r[src]! + BigInt(off));
          let v: bigint;
          try {
            v = mem.load(addr, size);
          } catch (err) {
            if (this.probe.has(pc)) v = 0n;
            else throw fault('memory', (err as Error).message, err);
          }
          if (mode === 0x80) v = u64(BigInt.asIntN(size * 8, v));
          else if (mode !== 0x60 && mode !== 0x20)
            throw fault('invalid-insn', `unsupported ldx mode ${mode}`);
          r[dst] = v;
          break;
        }
        case 0x02:
        case 0x03: {
          // ST / STX
          const size = sizeOf(code);
          const mode = code & 0xe0;
          const addr = u64(r[dst]! + BigInt(off));
          try {
            if (mode === 0x60) {
              mem.store(addr, size, cls === 2 ? immU64(imm) : r[src]!);
            } else if (mode === 0xc0 && cls === 3 && (size === 4 || size === 8)) {
              this.atomic(mem, r, insn, addr, size);
            } else throw fault('invalid-insn', `unsupported store ${code.toString(16)}`);
          } catch (err) {
            if (err instanceof VmFault) throw err;
            throw fault('memory', (err as Error).message, err);
          }
          break;
        }
        default:
          throw fault('invalid-insn', `unknown opcode ${code.toString(16)}`);
      }
      pc++;
    }
  }

  private atomic(mem: AddressSpace, r: bigint[], insn: Insn, addr: bigint, size: 4 | 8): void {
    const mask = size === 8 ? M64 : 0xffffffffn;
    const old = mem.load(addr, size);
    const src = r[insn.src]! & mask;
    const op = insn.imm;
    switch (op & ~1) {
      case 0x00:
        mem.store(addr, size, (old + src) & mask);
        break;
      case 0x40:
        mem.store(addr, size, old | src);
        break;
      case 0x50:
        mem.store(addr, size, old & src);
        break;
      case 0xa0:
        mem.store(addr, size, old ^ src);
        break;
      case 0xe0: // xchg
        mem.store(addr, size, src);
        r[insn.src] = old;
        return;
      case 0xf0: {
        // cmpxchg
        if ((r[0]! & mask) === old) mem.store(addr, size, src);
        r[0] = old;
        return;
      }
      case 0x100: // load-acquire
        r[insn.dst] = old;
        return;
      case 0x110: // store-release
        mem.store(addr, size, src);
        return;
      default:
        throw new VmFault('invalid-insn', 0, `unknown atomic op ${op}`);
    }
    if (op & 1) r[insn.src] = old;
  }
}

/** Prepares a program for the reference interpreter. */
export function createInterpreter(insns: readonly Insn[], options?: PrepareOptions): Executable {
  return new Interpreter(insns, options);
}

/**
 * Prepares a program to run: compiled by the JIT (the default), or on the
 * reference interpreter with `engine: 'interp'`.
 */
export function prepare(insns: readonly Insn[], options: PrepareOptions = {}): Executable {
  if (options.engine === 'interp') return new Interpreter(insns, options);
  return compileJit(insns, options);
}
