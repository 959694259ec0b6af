/**
 * The JIT: compiles a BPF program into one JavaScript function that V8
 * compiles to machine code. Registers are pairs of int32 locals; basic
 * blocks are cases of a `switch (pc)` inside a loop, entered by dispatch
 * only at jump targets and falling through otherwise; single-block loops
 * become native loops. Memory accesses check an inline per-site region
 * cache and fall back to the AddressSpace. Behaviour (results, memory,
 * faults with their pc and message, budget) is the interpreter's.
 */
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from '@tsbpf/uapi';
import type { Executable, HelperFn, PrepareOptions, RunOptions } from './engine.js';
import type { Insn } from './insn.js';
import { type Block, buildBlocks, type CfgNode } from './jitCfg.js';
import { alu, atomic, condition, load, probeOnlyLoad, sizeOf, store } from './jitEmit.js';
import { FRAME_WORDS, JitRuntime, mulhi } from './jitRuntime.js';
import { type AddressSpace, Region } from './memory.js';

/** Where each run's stacks live; the interpreter's address, so both engines agree. */
const STACK_BASE = 0xffffc90000000000n;
const STACK_BYTES = MAX_BPF_STACK * MAX_CALL_FRAMES;
const M64 = (1n << 64n) - 1n;

type RunFn = (...words: number[]) => bigint;
type Factory = (rt: JitRuntime, mulhiFn: typeof mulhi) => RunFn;

/** The generated source and what instantiating it needs. */
export interface JitCode {
  /** Body of `function (rt, mulhi)` that returns the run function. */
  source: string;
  /** Number of load/store sites (one region cache each). */
  sites: number;
  /** Sites whose base register is r10 (their cache starts on the stack), as (site, size) pairs. */
  stackSites: number[];
  /** Helper functions referenced as H<i>, resolved at compile time. */
  helperIds: number[];
  budgeted: boolean;
}

const hex = (n: number) => n.toString(16);

class Emitter {
  sites = 0;
  stackSites: number[] = [];
  helperIds: number[] = [];
  private helperIndex = new Map<number, number>();

  constructor(
    private readonly insns: readonly Insn[],
    private readonly options: PrepareOptions,
    private readonly budgeted: boolean,
  ) {}

  private site(base: number, size: number): number {
    const s = this.sites++;
    if (base === 10) this.stackSites.push(s, size);
    return s;
  }

  fault(kind: string, pc: number, message: string): string {
    return `throw rt.fault(${JSON.stringify(kind)}, ${pc}, ${JSON.stringify(message)});`;
  }

  private badJump(target: number): string {
    return this.fault('bad-jump', target, `pc ${target} outside the program`);
  }

  /** Code transferring control to `target` (`self` is the enclosing single-block loop, if any). */
  jump(target: number, self: number): string {
    if (target < 0 || target >= this.insns.length) return this.badJump(target);
    if (target === self) return `continue L${self};`;
    return `pc = ${target}; continue D;`;
  }

  private helperCall(pc: number, insn: Insn): string {
    const args = 'h1, l1, h2, l2, h3, l3, h4, l4, h5, l5';
    if (insn.code & 0x08)
      return `l0 = rt.callx(${pc}, h${insn.dst}, l${insn.dst}, ${args}) | 0; h0 = rt.th | 0;`;
    const id = insn.imm;
    let fn: string;
    if (this.options.helpers?.has(id)) {
      let i = this.helperIndex.get(id);
      if (i === undefined) {
        i = this.helperIds.length;
        this.helperIds.push(id);
        this.helperIndex.set(id, i);
      }
      fn = `H${i}`;
    } else fn = `rt.helpers.get(${id})`;
    return `l0 = rt.call(${fn}, ${id}, ${pc}, ${args}) | 0; h0 = rt.th | 0;`;
  }

  /** Straight-line instruction code. */
  op(node: CfgNode): string {
    const pc = node.pc;
    const insn = this.insns[pc]!;
    const cls = insn.code & 7;
    switch (cls) {
      case 0x00: {
        const hi = this.insns[pc + 1]!;
        return `h${insn.dst} = ${hi.imm | 0}; l${insn.dst} = ${insn.imm | 0};`;
      }
      case 0x01:
        return load(
          insn,
          pc,
          this.site(insn.src, sizeOf(insn.code)),
          this.options.probeLoads?.has(pc) ?? false,
        );
      case 0x02:
      case 0x03:
        if ((insn.code & 0xe0) === 0xc0) return atomic(insn, pc);
        return store(insn, pc, this.site(insn.dst, sizeOf(insn.code)));
      case 0x04:
      case 0x07:
        return alu(insn);
      default:
        if ((insn.code & 0xf0) === 0xe0) return '';
        return this.helperCall(pc, insn);
    }
  }

  /** Code of an instruction that always faults (maybe after its memory access, as the interpreter). */
  faultNode(pc: number): string {
    const insn = this.insns[pc]!;
    const { code, dst, src } = insn;
    const cls = code & 7;
    if (dst > 10 || src > 10) return this.fault('invalid-insn', pc, `invalid register in insn ${hex(code)}`);
    switch (cls) {
      case 0x00:
        if (code !== 0x18) return this.fault('invalid-insn', pc, `unsupported ld opcode ${hex(code)}`);
        return this.fault('invalid-insn', pc, 'truncated lddw');
      case 0x01: {
        const probe = this.options.probeLoads?.has(pc) ?? false;
        return `${probeOnlyLoad(insn, pc, src, probe)} ${this.fault('invalid-insn', pc, `unsupported ldx mode ${code & 0xe0}`)}`;
      }
      case 0x02:
      case 0x03:
        if ((code & 0xe0) === 0xc0 && cls === 3 && (code & 0x18) % 0x18 === 0) {
          return `${atomic(insn, pc)} throw new Error('unreachable');`;
        }
        return this.fault('invalid-insn', pc, `unsupported store ${hex(code)}`);
      case 0x04:
      case 0x07:
        if ((code & 0xf0) === 0xd0) return this.fault('invalid-insn', pc, `bad endian width ${insn.imm}`);
        return this.fault('invalid-insn', pc, `bad alu op ${code & 0xf0}`);
      default:
        return this.fault('invalid-insn', pc, `unknown jump opcode ${hex(code)}`);
    }
  }

  private call(node: CfgNode, self: number): string {
    const saves = [6, 7, 8, 9, 10].map(
      (r, i) => `fr[k + ${2 * i + 1}] = h${r}; fr[k + ${2 * i + 2}] = l${r};`,
    );
    return [
      `if (depth + 1 >= ${MAX_CALL_FRAMES}) ${this.fault('call-depth', node.pc, 'call stack too deep')}`,
      `k = depth * ${FRAME_WORDS}; fr[k] = ${node.next}; ${saves.join(' ')} depth++;`,
      `t = (l10 >>> 0) + ${MAX_BPF_STACK}; l10 = t | 0; h10 = (h10 + (t > 4294967295 ? 1 : 0)) | 0;`,
      this.jump(node.target, self),
    ].join('\n');
  }

  private exit(): string {
    const restores = [6, 7, 8, 9, 10].map(
      (r, i) => `h${r} = fr[k + ${2 * i + 1}]; l${r} = fr[k + ${2 * i + 2}];`,
    );
    return [
      `if (depth === 0) { ${this.budgeted ? 'rt.left = left; ' : ''}return rt.u64(h0, l0); }`,
      `depth--; k = depth * ${FRAME_WORDS}; pc = fr[k]; ${restores.join(' ')} continue D;`,
    ].join('\n');
  }

  /** The code of one block, after its `case` label. `next` is the start of the block emitted after it. */
  block(block: Block, next: number): string {
    const nodes = block.nodes;
    const last = nodes[nodes.length - 1]!;
    const selfLoop = (last.kind === 'cond' || last.kind === 'ja') && last.target === block.start;
    const self = selfLoop ? block.start : -1;
    const out: string[] = [];
    if (this.budgeted) {
      const n = nodes.length;
      const slow: string[] = [];
      for (let i = 0; i < n - 1; i++) {
        slow.push(`if (left === ${i}) ${this.fault('budget', nodes[i]!.pc, 'instruction budget exhausted')}`);
        slow.push(this.op(nodes[i]!));
      }
      slow.push(this.fault('budget', nodes[n - 1]!.pc, 'instruction budget exhausted'));
      out.push(`if (left < ${n}) {\n${slow.join('\n')}\n}\nleft -= ${n};`);
    }
    for (const node of nodes) {
      switch (node.kind) {
        case 'op':
          out.push(this.op(node));
          break;
        case 'fault':
          out.push(this.faultNode(node.pc));
          break;
        case 'exit':
          out.push(this.exit());
          break;
        case 'ja':
          out.push(this.jump(node.target, self));
          break;
        case 'call':
          out.push(this.call(node, self));
          break;
        case 'cond':
          out.push(`if (${condition(this.insns[node.pc]!)}) { ${this.jump(node.target, self)} }`);
          break;
      }
    }
    // Fall-through successor of ops and conditional jumps.
    let tail = '';
    if (last.kind === 'op' || last.kind === 'cond') {
      const succ = last.next;
      if (succ >= this.insns.length) tail = this.badJump(succ);
      else if (succ !== next) tail = `pc = ${succ}; continue D;`;
    }
    const body = out.join('\n');
    if (!selfLoop) return tail ? `${body}\n${tail}` : body;
    return `L${self}: for (;;) {\n${body}\n${last.kind === 'cond' ? 'break;' : ''}\n}\n${tail}`;
  }
}

/** Generates the JavaScript of a program. */
export function generateJit(insns: readonly Insn[], options: PrepareOptions = {}): JitCode {
  const budgeted = options.budget !== undefined && Number.isFinite(options.budget);
  const em = new Emitter(insns, options, budgeted);
  const blocks = buildBlocks(insns);
  const cases: string[] = [];
  blocks.forEach((b, i) => {
    cases.push(`case ${b.start}:\n${em.block(b, blocks[i + 1]?.start ?? -1)}`);
  });
  const regs = Array.from({ length: 11 }, (_, r) => {
    if (r >= 1 && r <= 5) return `h${r} = a${r}h | 0, l${r} = a${r}l | 0`;
    if (r === 10) return 'h10 = fph | 0, l10 = fpl | 0';
    return `h${r} = 0, l${r} = 0`;
  });
  const params = [1, 2, 3, 4, 5].map((r) => `a${r}h, a${r}l`).join(', ');
  const consts = [
    'const fr = rt.frames;',
    ...Array.from({ length: em.sites }, (_, s) => `const c${s} = rt.caches[${s}];`),
    ...em.helperIds.map((_, i) => `const H${i} = rt.helperFns[${i}];`),
  ];
  const source = [
    "'use strict';",
    ...consts,
    `return function bpf_prog(${params}, fph, fpl, left) {`,
    `let ${regs.join(', ')};`,
    'let t = 0, o = 0, k = 0, depth = 0, pc = 0, v = rt.scratch.view;',
    'D: for (;;) {',
    'switch (pc) {',
    ...cases,
    insns.length === 0 ? `case 0: ${em.fault('bad-jump', 0, 'pc 0 outside the program')}` : '',
    "default: throw new Error('jit: dispatch to pc ' + pc);",
    '}',
    '}',
    '};',
  ].join('\n');
  return { source, sites: em.sites, stackSites: em.stackSites, helperIds: em.helperIds, budgeted };
}

interface Instance {
  rt: JitRuntime;
  fn: RunFn;
  stackBytes: Uint8Array;
  stack: Region | undefined;
  /** The frame pointer of the stack, as words. */
  fpH: number;
  fpL: number;
  busy: boolean;
}

/** A program compiled by the JIT. */
export class JitProgram implements Executable {
  readonly engine = 'jit' as const;
  readonly code: JitCode;
  private readonly factory: Factory;
  private readonly helperFns: (HelperFn | undefined)[];
  private readonly budget: number;
  private instances: Instance[] = [];
  /** Instructions executed by the last completed run (only when a finite budget was given). */
  lastExecuted: number | undefined;

  constructor(
    insns: readonly Insn[],
    private readonly options: PrepareOptions = {},
  ) {
    this.code = generateJit(insns, options);
    this.factory = new Function('rt', 'mulhi', this.code.source) as Factory;
    this.helperFns = this.code.helperIds.map((id) => options.helpers?.get(id));
    this.budget = this.code.budgeted ? options.budget! : 0;
  }

  private instance(): Instance {
    for (const inst of this.instances) if (!inst.busy) return inst;
    // First run, or a nested run of this program from inside a helper.
    const rt = new JitRuntime(this.code.sites, this.options.helpers ?? new Map(), this.helperFns);
    const inst: Instance = {
      rt,
      fn: this.factory(rt, mulhi),
      stackBytes: new Uint8Array(STACK_BYTES),
      stack: undefined,
      fpH: 0,
      fpL: 0,
      busy: false,
    };
    this.instances.push(inst);
    return inst;
  }

  run(options: RunOptions): bigint {
    const mem: AddressSpace = options.memory;
    const inst = this.instance();
    let base = STACK_BASE;
    while (mem.find(base, 1)) base += BigInt(STACK_BYTES + 4096);
    let stack = inst.stack;
    if (stack?.start !== base) {
      stack = inst.stack = new Region('stack', base, inst.stackBytes);
      const fp = base + BigInt(MAX_BPF_STACK);
      inst.fpH = Number(fp >> 32n) | 0;
      inst.fpL = Number(fp & 0xffffffffn) | 0;
    }
    inst.stackBytes.fill(0);
    mem.map(stack);
    inst.busy = true;
    try {
      const rt = inst.rt;
      rt.mem = mem;
      rt.runContext = options.runContext;
      rt.setStack(stack, this.code.stackSites);
      const w = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
      const args = options.args ?? [];
      for (let i = 0; i < 5 && i < args.length; i++) {
        let a = args[i]!;
        if (a >= 0n && a <= 0xffffffffn) {
          w[2 * i + 1] = Number(a) | 0;
          continue;
        }
        a &= M64;
        w[2 * i] = Number(a >> 32n) | 0;
        w[2 * i + 1] = Number(a & 0xffffffffn) | 0;
      }
      const r0 = inst.fn(
        w[0]!,
        w[1]!,
        w[2]!,
        w[3]!,
        w[4]!,
        w[5]!,
        w[6]!,
        w[7]!,
        w[8]!,
        w[9]!,
        inst.fpH,
        inst.fpL,
        this.budget,
      );
      if (this.code.budgeted) this.lastExecuted = this.budget - rt.left;
      return r0;
    } finally {
      inst.busy = false;
      mem.unmap(stack);
    }
  }
}

/** Compiles a program with the JIT. */
export function compileJit(insns: readonly Insn[], options?: PrepareOptions): JitProgram {
  return new JitProgram(insns, options);
}
