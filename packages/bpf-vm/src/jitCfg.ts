/**
 * Control-flow analysis for the JIT: which instruction slots are executed,
 * how they chain, and where basic blocks start. Works on unverified code:
 * jumps may leave the program, land inside an ld_imm64, or share code
 * between bpf-to-bpf frames; every such case keeps the interpreter's
 * behaviour (a fault at the right pc), decided here once instead of per run.
 */
import type { Insn } from './insn.js';

/** How an executed slot ends. */
export type NodeKind =
  | 'op' // straight-line: falls through to `next`
  | 'ja' // unconditional jump to `target`
  | 'cond' // conditional jump to `target`, else `next`
  | 'call' // bpf-to-bpf call of `target`, returning to `next`
  | 'exit'
  | 'fault'; // always faults when reached (possibly after a memory access)

export interface CfgNode {
  pc: number;
  kind: NodeKind;
  /** Fall-through successor (op, cond, call) or -1. May lie outside the program. */
  next: number;
  /** Jump or call target (ja, cond, call) or -1. May lie outside the program. */
  target: number;
}

export interface Block {
  start: number;
  nodes: CfgNode[];
}

const BPF_JMP32 = 0x06;

/** Whether an ALU/ALU64 operation is one the interpreter executes. */
function aluValid(insn: Insn): boolean {
  const op = insn.code & 0xf0;
  if (op === 0xd0) return insn.imm === 16 || insn.imm === 32 || insn.imm === 64;
  return op !== 0xe0 && op !== 0xf0;
}

/** Classifies the instruction at `pc` the way the interpreter would execute it. */
export function classify(insns: readonly Insn[], pc: number): CfgNode {
  const insn = insns[pc]!;
  const { code, dst, src, off, imm } = insn;
  const cls = code & 7;
  const node: CfgNode = { pc, kind: 'op', next: pc + 1, target: -1 };
  const fault = (): CfgNode => ({ pc, kind: 'fault', next: -1, target: -1 });
  if (dst > 10 || src > 10) return fault();
  switch (cls) {
    case 0x00:
      if (code !== 0x18 || pc + 1 >= insns.length) return fault();
      node.next = pc + 2;
      return node;
    case 0x01: {
      const mode = code & 0xe0;
      return mode === 0x60 || mode === 0x20 || mode === 0x80 ? node : fault();
    }
    case 0x02:
    case 0x03: {
      const mode = code & 0xe0;
      const size = code & 0x18;
      if (mode === 0x60) return node;
      if (mode === 0xc0 && cls === 3 && (size === 0x00 || size === 0x18)) {
        return atomicValid(imm) ? node : fault();
      }
      return fault();
    }
    case 0x04:
    case 0x07:
      return aluValid(insn) ? node : fault();
    default: {
      // JMP, JMP32
      const op = code & 0xf0;
      if (op === 0x00) return { pc, kind: 'ja', next: -1, target: pc + 1 + (cls === BPF_JMP32 ? imm : off) };
      if (op === 0xe0) return node; // may_goto: not modelled, falls through
      if (op === 0x80) {
        if (src === 1) return { pc, kind: 'call', next: pc + 1, target: pc + imm + 1 };
        return node; // helper call
      }
      if (op === 0x90) return { pc, kind: 'exit', next: -1, target: -1 };
      if (op === 0xf0) return fault();
      return { pc, kind: 'cond', next: pc + 1, target: pc + 1 + off };
    }
  }
}

/** Atomic operations the interpreter knows (imm, FETCH bit ignored where it does). */
export function atomicValid(imm: number): boolean {
  switch (imm & ~1) {
    case 0x00:
    case 0x40:
    case 0x50:
    case 0xa0:
    case 0xe0:
    case 0xf0:
    case 0x100:
    case 0x110:
      return true;
    default:
      return false;
  }
}

/**
 * Finds every slot reachable from pc 0 and groups them into basic blocks,
 * sorted by start. A block starts at pc 0, at every jump or call target, at
 * every return point, after every conditional jump, and where two
 * fall-through paths meet (an ld_imm64 whose second slot is also a target).
 */
export function buildBlocks(insns: readonly Insn[]): Block[] {
  const n = insns.length;
  if (n === 0) return [];
  const nodes: (CfgNode | undefined)[] = new Array(n);
  const leader = new Uint8Array(n);
  const preds = new Uint8Array(n);
  leader[0] = 1;
  const work = [0];
  const mark = (p: number) => {
    if (p >= 0 && p < n) leader[p] = 1;
  };
  const visit = (p: number) => {
    if (p >= 0 && p < n && !nodes[p]) work.push(p);
  };
  while (work.length) {
    const p = work.pop()!;
    if (nodes[p]) continue;
    const node = classify(insns, p);
    nodes[p] = node;
    if (node.kind === 'op') {
      if (node.next < n && preds[node.next]! < 2) preds[node.next]!++;
      visit(node.next);
    } else if (node.kind === 'cond' || node.kind === 'call') {
      mark(node.next);
      mark(node.target);
      visit(node.next);
      visit(node.target);
    } else if (node.kind === 'ja') {
      mark(node.target);
      visit(node.target);
    }
  }
  for (let p = 0; p < n; p++) if (preds[p]! > 1) leader[p] = 1;
  const blocks: Block[] = [];
  for (let start = 0; start < n; start++) {
    if (!leader[start] || !nodes[start]) continue;
    const block: Block = { start, nodes: [] };
    let p = start;
    for (;;) {
      const node = nodes[p]!;
      block.nodes.push(node);
      if (node.kind !== 'op' || node.next >= n || leader[node.next]) break;
      p = node.next;
    }
    blocks.push(block);
  }
  return blocks;
}
