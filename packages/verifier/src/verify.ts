/**
 * The verifier: abstract interpretation of a BPF program against a Platform
 * (bpf_check / do_check in kernel/bpf/verifier.c), with Linux's log text.
 */
import type { Insn } from '@tsbpf/bpf-vm';
import { formatInsn } from '@tsbpf/bpf-vm';
import type { Errno } from '@tsbpf/uapi';
import { condJump } from './branches.js';
import { btfStructWalk, memberTrust, structName } from './btfAccess.js';
import { checkCfg, isLdImm64, opcodeValid, Reject } from './cfg.js';
import {
  type AluOp,
  boundsInvalid,
  coerceToSize,
  regBoundsSync,
  scalarAlu,
  zext32,
} from './domains/bounds.js';
import { tnumConst, tnumIsConst, tnumRange } from './domains/tnum.js';
import { checkAluFields, checkJmpFields } from './insnFields.js';
import { LogBuffer, vlogAlignment } from './log.js';
import type { AttachTargetInfo, HelperProto, MapInfo, Platform } from './platform.js';
import {
  type BaseType,
  btfName,
  cloneReg,
  constScalar,
  formatReg,
  isPointer,
  MEM_RCU,
  MEM_RDONLY,
  notInit,
  PTR_MAYBE_NULL,
  PTR_TRUSTED,
  PTR_UNTRUSTED,
  pointer,
  type Reg,
  regTypeStr,
  S64_MIN,
  SLOT_CHAR,
  unknownScalar,
} from './regState.js';
import { ALLOW_UNINIT_STACK, spillPrefix, stackRead, stackVarAccess, stackWrite } from './stack.js';
import { ALL_SLOTS } from './stackLiveness.js';
import {
  type Checkpoint,
  cloneState,
  type Frame,
  IdMap,
  type Pending,
  regsafe,
  regsExact,
  type State,
  statesMaybeLooping,
} from './states.js';

export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** Pending branches at once (push_stack). */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
const MAX_CALL_FRAMES = 8;
const MAX_BPF_STACK = 512;
const BPF_PROG_TYPE_TRACING = 26;
const BPF_TRACE_ITER = 28;

export interface VerifyRequest {
  insns: readonly Insn[];
  progType: number;
  expectedAttachType: number;
  attachBtfId: number;
  progFlags?: number;
  gplCompatible: boolean;
  /** BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS; 0 = no log. */
  logLevel: number;
  progName?: string;
}

export interface VerifyStats {
  insnProcessed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  stackDepth: number[];
}

export interface VerifyResult {
  ok: boolean;
  errno?: Errno;
  /** Full log text (empty for log level 0). */
  log: string;
  /** The error line without newline (also for log level 0). */
  message?: string;
  insns: Insn[];
  probeLoads: Set<number>;
  stats: VerifyStats;
  /** Largest map key/value offset+size read through ctx buffers (bpf_iter map-elem targets). */
  maxMapAccess: { key: number; value: number; rdwr: boolean };
}

const SIZE_BYTES: Record<number, number> = { 0: 4, 8: 2, 16: 1, 24: 8 };
const ALU_OPS: (AluOp | 'mov' | 'end' | undefined)[] = [
  'add',
  'sub',
  'mul',
  'div',
  'or',
  'and',
  'lsh',
  'rsh',
  'neg',
  'mod',
  'xor',
  'mov',
  'arsh',
  'end',
];

/** Verifies a program; never throws for a bad program. */
export function verify(request: VerifyRequest, platform: Platform): VerifyResult {
  const env = new Env(request, platform);
  return env.run();
}

class Env {
  private readonly log: LogBuffer;
  private readonly level: number;
  private insns: Insn[];
  private prevLogPos = 0;
  private prevInsnPrintPos = 0;
  private scratchedRegs = 0;
  scratchedStack = new Set<number>();
  private idGen = 0;
  private insnProcessed = 0;
  private jmpsProcessed = 0;
  private prevInsnProcessed = 0;
  private prevJmpsProcessed = 0;
  private totalStates = 0;
  private peakStates = 0;
  private maxStatesPerInsn = 0;
  private explored = new Map<number, Checkpoint[]>();
  private liveStates = 0;
  /** Set by a subprogram's exit to its pc, for the "from X to Y" log line. */
  private returnedFrom = -1;
  private stackDepth: number[] = [];
  private probeLoads = new Set<number>();
  private target: AttachTargetInfo | undefined;
  private mapsByPc = new Map<number, { map: MapInfo; value: boolean; off: number }>();
  private cfg!: ReturnType<typeof checkCfg>;
  private maxMapAccess = { key: 0, value: 0, rdwr: false };

  constructor(
    private readonly req: VerifyRequest,
    private readonly platform: Platform,
  ) {
    this.level = req.logLevel;
    this.log = new LogBuffer(req.logLevel !== 0);
    this.insns = req.insns.map((i) => ({ ...i }));
  }

  private verbose(s: string): void {
    this.log.write(s);
  }

  run(): VerifyResult {
    let errno: Errno | undefined;
    let message: string | undefined;
    try {
      this.checkInsnsAndMaps();
      this.resolveTarget();
      this.cfg = checkCfg(this.insns, (s) => this.verbose(s), (this.level & 2) !== 0);
      if (this.level & 2) this.printLiveRegs();
      this.doCheck();
    } catch (e) {
      if (e instanceof Reject) {
        errno = e.errno === 'ENOTSUPP' ? 'ENOTSUPP' : e.errno;
        message = e.message.replace(/\n$/, '');
        this.verbose(e.message + e.tail);
      } else {
        errno = 'EFAULT';
        message = `verifier bug: ${(e as Error).message}`;
        this.verbose(`${message}\n`);
      }
    }
    if (this.level & 4) {
      this.verbose('verification time 0 usec\n');
      this.verbose(`stack depth ${(this.stackDepth.length ? this.stackDepth : [0]).join('+')}\n`);
    }
    this.verbose(
      `processed ${this.insnProcessed} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn ${this.maxStatesPerInsn} total_states ${this.totalStates} peak_states ${this.peakStates} mark_read 0\n`,
    );
    const result: VerifyResult = {
      ok: errno === undefined,
      log: this.log.toString(),
      insns: this.insns,
      probeLoads: this.probeLoads,
      stats: {
        insnProcessed: this.insnProcessed,
        totalStates: this.totalStates,
        peakStates: this.peakStates,
        maxStatesPerInsn: this.maxStatesPerInsn,
        stackDepth: this.stackDepth,
      },
      maxMapAccess: this.maxMapAccess,
    };
    if (errno) result.errno = errno;
    if (message) result.message = message;
    return result;
  }

  // ---- before do_check -------------------------------------------------

  /** resolve_pseudo_ldimm64 + opcode validity. */
  private checkInsnsAndMaps(): void {
    const insns = this.insns;
    for (let pc = 0; pc < insns.length; pc++) {
      const i = insns[pc]!;
      if (!opcodeValid(i))
        throw new Reject('EINVAL', `unknown opcode ${i.code.toString(16).padStart(2, '0')}\n`);
      if ((i.code & 7) === 1 && i.imm !== 0) throw new Reject('EINVAL', 'BPF_LDX uses reserved fields\n');
      if (!isLdImm64(i)) continue;
      const hi = insns[pc + 1];
      if (hi === undefined || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0 || i.off !== 0) {
        throw new Reject('EINVAL', 'invalid bpf_ld_imm64 insn\n');
      }
      if (i.src === 0 || i.src === 3 || i.src === 4) {
        pc++;
        continue;
      }
      if (i.src !== 1 && i.src !== 2 && i.src !== 5 && i.src !== 6)
        throw new Reject('EINVAL', 'unrecognized bpf_ld_imm64 insn\n');
      const map = this.platform.getMap?.({ pc, src: i.src, imm: i.imm });
      if (!map) throw new Reject('EBADF' as never, `fd ${i.imm} is not pointing to valid bpf_map\n`);
      const isValue = i.src === 2 || i.src === 6;
      let addr = map.mapAddr;
      const off = hi.imm;
      if (isValue) {
        if (map.valueAddr === undefined)
          throw new Reject('EINVAL', 'map does not support direct value access\n');
        if (off < 0 || off >= map.valueSize) {
          throw new Reject(
            'EINVAL',
            `invalid access to map value pointer, value_size=${map.valueSize} off=${off}\n`,
          );
        }
        addr = map.valueAddr + BigInt(off);
      } else if (hi.imm !== 0) {
        throw new Reject('EINVAL', 'unrecognized bpf_ld_imm64 insn\n');
      }
      this.mapsByPc.set(pc, { map, value: isValue, off: isValue ? off : 0 });
      i.imm = Number(BigInt.asIntN(32, addr));
      hi.imm = Number(BigInt.asIntN(32, addr >> 32n));
      pc++;
    }
  }

  private resolveTarget(): void {
    const r = this.req;
    if (r.progType !== BPF_PROG_TYPE_TRACING) return;
    if (!r.attachBtfId) throw new Reject('EINVAL', 'Tracing programs must provide btf_id\n');
    const t = this.platform.resolveAttachTarget?.({
      progType: r.progType,
      expectedAttachType: r.expectedAttachType,
      attachBtfId: r.attachBtfId,
    });
    if (!t) throw new Reject('EINVAL', `attach_btf_id ${r.attachBtfId} is invalid\n`);
    if ('errno' in t) throw new Reject(t.errno as never, t.log ?? '');
    this.target = t;
  }

  private printLiveRegs(): void {
    this.verbose('Live regs before insn:\n');
    for (let pc = 0; pc < this.insns.length; pc++) {
      if (pc > 0 && isLdImm64(this.insns[pc - 1]!)) continue;
      const m = this.cfg.live[pc]!;
      let s = '';
      for (let r = 0; r < 10; r++) s += m & (1 << r) ? String(r) : '.';
      this.verbose(`${String(pc).padStart(7)}: ${s} ${this.insnText(pc)}\n`);
    }
  }

  private insnText(pc: number): string {
    return formatInsn(this.insns, pc);
  }

  // ---- state printing ---------------------------------------------------

  private printState(st: State, all: boolean): void {
    const f = st.frames[st.frames.length - 1]!;
    const ctx = { btf: this.platform.btf, curFrame: f.frameno };
    let s = '';
    if (f.frameno) s += ` frame${f.frameno}:`;
    f.regs.forEach((r, i) => {
      if (r.type === 'NOT_INIT') return;
      if (!all && !(this.scratchedRegs & (1 << i))) return;
      s += ` R${i}=${formatReg(r, ctx)}`;
    });
    const spis = [...f.stack.keys()].sort((a, b) => a - b);
    for (const spi of spis) {
      if (!all && !this.scratchedStack.has(spi)) continue;
      const slot = f.stack.get(spi)!;
      const name = `fp${(-spi - 1) * 8}`;
      if (slot.types[7] === 'SPILL' && slot.spilled) {
        s += ` ${name}=${spillPrefix(slot)}${formatReg(slot.spilled, ctx)}`;
        continue;
      }
      const chars = slot.types.map((t) => SLOT_CHAR[t]).join('');
      if (chars === '????????') continue;
      s += ` ${name}=${chars}`;
    }
    this.verbose(`${s}\n`);
    this.scratchedRegs = 0;
    this.scratchedStack.clear();
  }

  private printInsnState(st: State): void {
    if (this.prevLogPos && this.prevLogPos === this.log.length) {
      this.log.dropLastChar();
      const pos = this.prevInsnPrintPos;
      const width = vlogAlignment(pos);
      this.verbose(`${' '.repeat(Math.max(width, 1))};`);
    } else {
      this.verbose(`${st.pc}:`);
    }
    this.printState(st, false);
  }

  private scratchAll(st: State): void {
    this.scratchedRegs = 0x7ff;
    const f = st.frames[st.frames.length - 1]!;
    for (const k of f.stack.keys()) this.scratchedStack.add(k);
  }

  // ---- do_check ---------------------------------------------------------

  private initialState(): State {
    const regs = Array.from({ length: 11 }, notInit);
    regs[1] = pointer('PTR_TO_CTX');
    regs[10] = pointer('PTR_TO_STACK');
    return { pc: 0, frames: [{ frameno: 0, callsite: -1, subprog: 0, regs, stack: new Map() }] };
  }

  private doCheck(): void {
    const pending: Pending[] = [];
    let cur = this.initialState();
    this.scratchAll(cur);
    let doPrintState = false;
    let afterReturn = false;
    let prevPc = -1;
    this.stackDepth = this.cfg.subprogStarts.map(() => 0);
    for (;;) {
      const pc = cur.pc;
      if (pc < 0 || pc >= this.insns.length)
        throw new Reject('EFAULT', `invalid insn idx ${pc} insn_cnt ${this.insns.length}\n`);
      if (++this.insnProcessed > BPF_COMPLEXITY_LIMIT_INSNS) {
        throw new Reject('E2BIG', `BPF program is too large. Processed ${this.insnProcessed} insn\n`);
      }
      let next: number | 'exit';
      if (this.cfg.prunePoint[pc] && this.isStateVisited(cur)) {
        if (this.level & 1) {
          if (doPrintState) this.verbose(`\nfrom ${prevPc} to ${pc}: safe\n`);
          else this.verbose(`${pc}: safe\n`);
        }
        next = 'exit';
      } else {
        if (this.level & 2 && doPrintState) {
          this.verbose(`\nfrom ${prevPc} to ${pc}:`);
          this.printState(cur, true);
          // a popped branch prints its state again before its first insn; a return does not
          if (!afterReturn) this.scratchAll(cur);
        }
        doPrintState = false;
        afterReturn = false;
        if (this.level & 1) {
          if (this.scratchedRegs || this.scratchedStack.size) this.printInsnState(cur);
          this.prevLogPos = this.log.length;
          this.verbose(`${pc}: ${this.insnText(pc)}\n`);
          this.prevInsnPrintPos = this.log.length - this.prevLogPos;
          this.prevLogPos = this.log.length;
        }
        next = this.step(cur, pending);
        if (this.returnedFrom >= 0) {
          // back in the caller: the level-2 log shows "from <exit> to <return address>"
          doPrintState = true;
          afterReturn = true;
          prevPc = this.returnedFrom;
          this.returnedFrom = -1;
        }
      }
      if (next === 'exit') {
        // the path is done (bpf_exit or pruned): its checkpoints lose one branch to explore
        this.updateBranchCounts(cur.parent);
        const popped = pending.pop();
        if (!popped) break;
        prevPc = popped.from;
        cur = popped.st;
        this.scratchAll(cur);
        this.prevLogPos = 0;
        doPrintState = true;
        continue;
      }
      cur.pc = next;
    }
  }

  /**
   * push_stack: the other side of a branch is explored later, from a copy of
   * `st` at `pc`. More than BPF_COMPLEXITY_LIMIT_JMP_SEQ pending branches fail.
   */
  private pushBranch(pending: Pending[], st: State, pc: number, from: number): void {
    st.pc = pc;
    pending.push({ st, from });
    if (pending.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
      throw new Reject('E2BIG', `The sequence of ${pending.length} jumps is too complex.\n`);
    }
    if (st.parent) st.parent.branches++;
  }

  /** update_branch_counts: a finished path releases its checkpoints up the parent chain. */
  private updateBranchCounts(cp: Checkpoint | undefined): void {
    while (cp) {
      if (--cp.branches > 0) return;
      if (cp.evicted) this.liveStates--;
      cp = cp.parent;
    }
  }

  /**
   * is_state_visited: prune when a finished checkpoint at this pc covers
   * `cur`; reject a loop that comes back to an identical state; otherwise
   * maybe remember `cur` as a new checkpoint (Linux's 2-jumps/8-insns and,
   * inside loops, 20-jumps/100-insns heuristics, and the miss-count eviction).
   */
  private isStateVisited(cur: State): boolean {
    const pc = cur.pc;
    const jmps = this.jmpsProcessed - this.prevJmpsProcessed;
    const insns = this.insnProcessed - this.prevInsnProcessed;
    let addNew = jmps >= 2 && insns >= 8;
    const list = this.explored.get(pc) ?? [];
    let statesCnt = 0;
    for (const sl of [...list]) {
      statesCnt++;
      if (sl.branches > 0) {
        // still being explored: only tells that we are looping
        if (statesMaybeLooping(sl.st, cur) && this.statesEqual(sl.st, cur, true)) {
          const ctx = { btf: this.platform.btf, curFrame: this.frame(cur).frameno };
          throw new Reject(
            'EINVAL',
            `infinite loop detected at insn ${pc}\n`,
            `cur state:${this.stateText(cur, ctx)}\nold state:${this.stateText(sl.st, ctx)}\n`,
          );
        }
        if (jmps < 20 && insns < 100) addNew = false;
      } else if (this.statesEqual(sl.st, cur, false)) {
        sl.hit++;
        return true;
      }
      if (addNew) sl.miss++;
      if (sl.miss > sl.hit * 3 + 3) {
        list.splice(list.indexOf(sl), 1);
        if (sl.branches > 0) sl.evicted = true;
        else this.liveStates--;
      }
    }
    this.maxStatesPerInsn = Math.max(this.maxStatesPerInsn, statesCnt);
    if (!addNew) return false;
    this.prevJmpsProcessed = this.jmpsProcessed;
    this.prevInsnProcessed = this.insnProcessed;
    const cp: Checkpoint = {
      st: cloneState(cur),
      branches: 1,
      parent: cur.parent,
      hit: 0,
      miss: 0,
      evicted: false,
    };
    cur.parent = cp;
    list.unshift(cp);
    this.explored.set(pc, list);
    this.totalStates++;
    this.liveStates++;
    this.peakStates = Math.max(this.peakStates, this.liveStates);
    return false;
  }

  /** print_verifier_state(..., all) as one string. */
  private stateText(st: State, ctx: { btf: Platform['btf']; curFrame: number }): string {
    const f = this.frame(st);
    let s = '';
    f.regs.forEach((r, i) => {
      if (r.type !== 'NOT_INIT') s += ` R${i}=${formatReg(r, ctx)}`;
    });
    for (const spi of [...f.stack.keys()].sort((a, b) => a - b)) {
      const slot = f.stack.get(spi)!;
      const name = `fp${(-spi - 1) * 8}`;
      if (slot.types[7] === 'SPILL' && slot.spilled)
        s += ` ${name}=${spillPrefix(slot)}${formatReg(slot.spilled, ctx)}`;
      else {
        const chars = slot.types.map((t) => SLOT_CHAR[t]).join('');
        if (chars !== '????????') s += ` ${name}=${chars}`;
      }
    }
    return s;
  }

  /**
   * states_equal: `cur` is covered by the explored state `old` (every scalar
   * treated as precise: range containment), or identical when `exact`.
   */
  private statesEqual(old: State, cur: State, exact: boolean): boolean {
    if (old.frames.length !== cur.frames.length) return false;
    const ids = new IdMap();
    const same = exact ? (a: Reg, b: Reg) => regsExact(a, b, ids) : (a: Reg, b: Reg) => regsafe(a, b, ids);
    for (let k = 0; k < old.frames.length; k++) {
      const fo = old.frames[k]!;
      const fc = cur.frames[k]!;
      if (fo.callsite !== fc.callsite) return false;
      // only registers live at this pc matter (static liveness, compute_live_registers)
      const live = k === old.frames.length - 1 ? this.cfg.live[cur.pc]! | (1 << 10) : 0x7ff;
      for (let r = 0; r < 11; r++) if (live & (1 << r) && !same(fo.regs[r]!, fc.regs[r]!)) return false;
      if (exact) {
        if (fo.stack.size !== fc.stack.size) return false;
        for (const [spi, so] of fo.stack) {
          const sc = fc.stack.get(spi);
          if (!sc || so.types.join() !== sc.types.join()) return false;
          if ((so.spilled === undefined) !== (sc.spilled === undefined)) return false;
          if (so.spilled && sc.spilled && !regsExact(so.spilled, sc.spilled, ids)) return false;
        }
        continue;
      }
      const stackLive = k === old.frames.length - 1 ? this.cfg.stackLive[cur.pc]! : ALL_SLOTS;
      for (const [spi, so] of fo.stack) {
        // a slot no path reads again cannot make the states differ
        if (!((stackLive >> BigInt(spi)) & 1n)) continue;
        const sc = fc.stack.get(spi);
        for (let b = 0; b < 8; b++) {
          const to = so.types[b]!;
          if (to === 'INVALID') continue;
          const tc = sc?.types[b] ?? 'INVALID';
          if (
            to === 'MISC' &&
            (tc === 'MISC' || tc === 'ZERO' || (tc === 'SPILL' && sc?.spilled?.type === 'SCALAR_VALUE'))
          )
            continue;
          if (to !== tc) return false;
        }
        if (so.types[7] === 'SPILL' && so.spilled && !(sc?.spilled && regsafe(so.spilled, sc.spilled, ids)))
          return false;
      }
    }
    return true;
  }

  newId(): number {
    return ++this.idGen;
  }

  private frame(st: State): Frame {
    return st.frames[st.frames.length - 1]!;
  }

  /** check_reg_arg(SRC_OP). */
  private readReg(st: State, r: number): Reg {
    if (r > 10) throw new Reject('EINVAL', `R${r} is invalid\n`);
    this.scratchedRegs |= 1 << r;
    const reg = this.frame(st).regs[r]!;
    if (reg.type === 'NOT_INIT') throw new Reject('EACCES', `R${r} !read_ok\n`);
    return reg;
  }

  /** check_reg_arg(DST_OP). */
  private writeReg(st: State, r: number, v: Reg): void {
    if (r > 10) throw new Reject('EINVAL', `R${r} is invalid\n`);
    if (r === 10) throw new Reject('EACCES', 'frame pointer is read only\n');
    this.scratchedRegs |= 1 << r;
    this.frame(st).regs[r] = v;
  }

  private step(st: State, pending: Pending[]): number | 'exit' {
    const pc = st.pc;
    const i = this.insns[pc]!;
    const c = i.code;
    const cls = c & 7;
    if (cls === 4 || cls === 7) {
      this.checkAlu(st, i, cls === 4);
      return pc + 1;
    }
    if (cls === 1) {
      this.checkLoad(st, pc, i);
      return pc + 1;
    }
    if (cls === 2 || cls === 3) {
      if (cls === 3 && (c & 0xe0) !== 0xc0 && i.imm !== 0)
        throw new Reject('EINVAL', 'BPF_STX uses reserved fields\n');
      if (cls === 2 && i.src !== 0) throw new Reject('EINVAL', 'BPF_ST uses reserved fields\n');
      if ((c & 0xe0) === 0xc0) this.checkAtomic(st, pc, i);
      else this.checkStore(st, pc, i);
      return pc + 1;
    }
    if (cls === 0) {
      if (c !== 0x18)
        throw new Reject('EINVAL', 'BPF_LD_[ABS|IND] instructions not allowed for this program type\n');
      this.checkLdImm64(st, pc, i);
      return pc + 2;
    }
    // jumps
    this.jmpsProcessed++;
    const op = c & 0xf0;
    checkJmpFields(i, cls === 6);
    if (op === 0x80) {
      if (i.src === 1) return this.pseudoCall(st, pc, i);
      if (i.src === 2)
        throw new Reject(
          'EACCES',
          'calling kernel function is not supported without CONFIG_DEBUG_INFO_BTF\n',
        );
      this.checkHelperCall(st, pc, i);
      return pc + 1;
    }
    if (op === 0x90) return this.checkExit(st);
    if (op === 0) return pc + 1 + (cls === 6 ? i.imm : i.off);
    if (op === 0xe0) {
      // may_goto: both paths (fallthrough explored later)
      this.pushBranch(pending, cloneState(st), pc + 1, pc);
      return pc + 1 + i.off;
    }
    const r = condJump(this, st, i, cls === 6);
    if (r.both) {
      this.pushBranch(pending, r.other, pc + 1 + i.off, pc);
      return pc + 1;
    }
    return r.taken ? pc + 1 + i.off : pc + 1;
  }

  // exposed for branches.ts
  readRegFor(st: State, r: number): Reg {
    return this.readReg(st, r);
  }
  cloneStateFor(st: State): State {
    return cloneState(st);
  }
  frameOf(st: State): Frame {
    return this.frame(st);
  }
  verboseFor(s: string): void {
    this.verbose(s);
  }

  // ---- ALU ---------------------------------------------------------------

  private checkAlu(st: State, i: Insn, alu32: boolean): void {
    const op = ALU_OPS[i.code >> 4];
    const x = (i.code & 8) !== 0;
    if (!op) throw new Reject('EINVAL', `invalid BPF_ALU opcode ${(i.code & 0xf0).toString(16)}\n`);
    checkAluFields(i, op, alu32, x);
    if (op === 'end' || op === 'neg') {
      const d = this.readReg(st, i.dst);
      if (isPointer(d)) throw new Reject('EACCES', `R${i.dst} pointer arithmetic prohibited\n`);
      if (op === 'neg') {
        this.writeReg(st, i.dst, scalarAlu('neg', d, d, alu32));
        return;
      }
      // BPF_END: le on this little-endian machine truncates, be and bswap (ALU64) swap bytes
      const bytes = i.imm / 8;
      const swap = !alu32 || (i.code & 8) !== 0;
      if (tnumIsConst(d.varOff)) {
        const v = d.varOff.value & ((1n << BigInt(i.imm)) - 1n);
        this.writeReg(st, i.dst, constScalar(swap ? byteSwap(v, bytes) : v));
        return;
      }
      const out = unknownScalar();
      if (bytes < 8) coerceToSize(out, bytes);
      this.writeReg(st, i.dst, out);
      return;
    }
    if (op === 'mov') {
      let src: Reg;
      if (x) {
        src = this.readReg(st, i.src);
      } else {
        src = constScalar(BigInt(alu32 ? i.imm >>> 0 : i.imm));
      }
      if (x && alu32) {
        if (isPointer(src)) {
          this.writeReg(st, i.dst, unknownScalar());
          coerceToSize(this.frame(st).regs[i.dst]!, 4);
          return;
        }
        const out = cloneReg(src);
        out.id = 0;
        if (i.off) signExtend(out, i.off / 8, true);
        else coerceToSize(out, 4);
        this.writeReg(st, i.dst, out);
        return;
      }
      if (x && i.off) {
        if (isPointer(src)) throw new Reject('EACCES', `R${i.src} sign-extension part of pointer\n`);
        const out = cloneReg(src);
        out.id = 0;
        signExtend(out, i.off / 8, false);
        this.writeReg(st, i.dst, out);
        return;
      }
      if (x && src.type === 'SCALAR_VALUE' && !src.id && !tnumIsConst(src.varOff)) {
        src.id = this.newId();
      }
      this.writeReg(st, i.dst, cloneReg(src));
      return;
    }
    // arithmetic
    const d = this.readReg(st, i.dst);
    let s: Reg;
    if (x) s = this.readReg(st, i.src);
    else s = constScalar(BigInt(alu32 ? i.imm >>> 0 : i.imm));
    if (!x && (op === 'div' || op === 'mod') && i.imm === 0) throw new Reject('EINVAL', 'div by zero\n');
    if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && !x) {
      const size = alu32 ? 32 : 64;
      if (i.imm < 0 || i.imm >= size) throw new Reject('EINVAL', `invalid shift ${i.imm}\n`);
    }
    if (isPointer(d) || isPointer(s)) {
      this.writeReg(st, i.dst, this.pointerArith(st, i, op, d, s, alu32));
      return;
    }
    // is_safe_to_compute_dst_reg_range: div/mod and shifts by a non-constant
    // (or too wide) amount leave an unknown scalar
    const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
    const srcConst = alu32 ? s.u32min === s.u32max : tnumIsConst(s.varOff);
    const srcMax = alu32 ? s.u32max : s.umax;
    const res =
      op === 'div' || op === 'mod' || (shift && !(srcConst && srcMax < BigInt(alu32 ? 32 : 64)))
        ? unknownScalar()
        : scalarAlu(op, d, s, alu32);
    this.writeReg(st, i.dst, res);
  }

  /** adjust_reg_min_max_vals with a pointer operand: adjust_ptr_min_max_vals. */
  private pointerArith(st: State, i: Insn, op: AluOp, d: Reg, s: Reg, alu32: boolean): Reg {
    void st;
    const dst = i.dst;
    const opName = BPF_ALU_STRING[op];
    if (isPointer(d) && isPointer(s)) {
      // two pointers give an arbitrary number; only the (privileged) difference is allowed
      if (op === 'sub') return unknownScalar();
      throw new Reject('EACCES', `R${dst} pointer ${opName} pointer prohibited\n`);
    }
    const ptr = isPointer(d) ? d : s;
    const off = isPointer(d) ? s : d;
    const known = tnumIsConst(off.varOff);
    if (alu32) {
      if (op === 'sub') return unknownScalar();
      throw new Reject('EACCES', `R${dst} 32-bit pointer arithmetic prohibited\n`);
    }
    const ptrStr = regTypeStr(ptr.type, ptr.flags);
    if (ptr.flags & PTR_MAYBE_NULL) {
      throw new Reject('EACCES', `R${dst} pointer arithmetic on ${ptrStr} prohibited, null-check it first\n`);
    }
    const mapPtrOk = ptr.type === 'CONST_PTR_TO_MAP' && known && off.smin === 0n && op === 'add';
    if (!ARITH_PTR_TYPES.has(ptr.type) && !mapPtrOk) {
      throw new Reject('EACCES', `R${dst} pointer arithmetic on ${ptrStr} prohibited\n`);
    }
    this.checkRegSaneOffset(off, ptr);
    this.checkRegSaneOffset(ptr, ptr);
    const out = cloneReg(ptr);
    switch (op) {
      case 'add':
      case 'sub': {
        if (op === 'sub' && !isPointer(d))
          throw new Reject('EACCES', `R${dst} tried to subtract pointer from scalar\n`);
        if (op === 'sub' && ptr.type === 'PTR_TO_STACK')
          throw new Reject('EACCES', `R${dst} subtraction from stack pointer prohibited\n`);
        if (known) {
          const v = Number(BigInt.asIntN(64, off.varOff.value));
          out.off = op === 'sub' ? ptr.off - v : ptr.off + v;
          return out;
        }
        // variable offset: the scalar's bounds go into the pointer's var_off
        const sum = scalarAlu(op, { ...ptr, type: 'SCALAR_VALUE' }, off, false);
        Object.assign(out, {
          varOff: sum.varOff,
          smin: sum.smin,
          smax: sum.smax,
          umin: sum.umin,
          umax: sum.umax,
          s32min: sum.s32min,
          s32max: sum.s32max,
          u32min: sum.u32min,
          u32max: sum.u32max,
        });
        return out;
      }
      case 'and':
      case 'or':
      case 'xor':
        throw new Reject('EACCES', `R${dst} bitwise operator ${opName} on pointer prohibited\n`);
      default:
        throw new Reject('EACCES', `R${dst} pointer arithmetic with ${opName} operator prohibited\n`);
    }
  }

  /** check_reg_sane_offset: offsets a pointer may carry (BPF_MAX_VAR_OFF). */
  private checkRegSaneOffset(r: Reg, ptr: Reg): void {
    const type = regTypeStr(ptr.type, ptr.flags);
    const val = BigInt.asIntN(64, r.varOff.value);
    if (tnumIsConst(r.varOff) && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) {
      throw new Reject('EACCES', `math between ${type} pointer and ${val} is not allowed\n`);
    }
    if (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF)
      throw new Reject('EACCES', `${type} pointer offset ${r.off} is not allowed\n`);
    if (r.smin === S64_MIN) {
      throw new Reject(
        'EACCES',
        `math between ${type} pointer and register with unbounded min value is not allowed\n`,
      );
    }
    if (r.smin >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF) {
      throw new Reject('EACCES', `value ${r.smin} makes ${type} pointer be out of bounds\n`);
    }
  }

  // ---- memory ------------------------------------------------------------

  private checkLdImm64(st: State, pc: number, i: Insn): void {
    const hi = this.insns[pc + 1]!;
    const m = this.mapsByPc.get(pc);
    if (m) {
      const r = m.value
        ? pointer('PTR_TO_MAP_VALUE', 0, { map: m.map, off: m.off })
        : pointer('CONST_PTR_TO_MAP', 0, { map: m.map });
      this.writeReg(st, i.dst, r);
      return;
    }
    if (i.src === 3) throw new Reject('EINVAL', 'ldimm64 with BTF ids is not supported\n');
    if (i.src === 4) {
      const t = pc + i.imm + 1;
      if (!this.cfg.subprogStarts.includes(t)) throw new Reject('EINVAL', 'callback function not static\n');
      this.writeReg(st, i.dst, pointer('PTR_TO_FUNC', 0, { memSize: t }));
      return;
    }
    this.writeReg(st, i.dst, constScalar((BigInt(hi.imm >>> 0) << 32n) | BigInt(i.imm >>> 0)));
  }

  private checkLoad(st: State, pc: number, i: Insn): void {
    const size = SIZE_BYTES[i.code & 0x18]!;
    const sx = (i.code & 0xe0) === 0x80;
    const base = this.readReg(st, i.src);
    this.scratchedRegs |= 1 << i.dst;
    if (i.dst === 10) throw new Reject('EACCES', 'frame pointer is read only\n');
    const v = this.checkMemAccess(st, pc, i.src, base, i.off, size, 'read');
    const out = v ?? unknownScalar();
    if (out.type === 'SCALAR_VALUE' && size < 8) {
      if (sx) signExtend(out, size, false);
      else coerceToSize(out, size);
    }
    this.writeReg(st, i.dst, out);
  }

  private checkStore(st: State, pc: number, i: Insn): void {
    const size = SIZE_BYTES[i.code & 0x18]!;
    const isX = (i.code & 7) === 3;
    const val = isX ? this.readReg(st, i.src) : constScalar(BigInt(i.imm));
    const base = this.readReg(st, i.dst);
    this.checkMemAccess(st, pc, i.dst, base, i.off, size, 'write', val, isX ? i.src : -1);
  }

  private checkAtomic(st: State, pc: number, i: Insn): void {
    const size = SIZE_BYTES[i.code & 0x18]!;
    const src = this.readReg(st, i.src);
    const base = this.readReg(st, i.dst);
    if (i.imm === 0xf1) this.readReg(st, 0);
    if (isPointer(src)) throw new Reject('EACCES', `R${i.src} leaks addr into mem\n`);
    if (base.type !== 'PTR_TO_STACK' && base.type !== 'PTR_TO_MAP_VALUE' && base.type !== 'PTR_TO_MEM') {
      throw new Reject(
        'EACCES',
        `BPF_ATOMIC stores into R${i.dst} ${regTypeStr(base.type, base.flags)} is not allowed\n`,
      );
    }
    this.checkMemAccess(st, pc, i.dst, base, i.off, size, 'read');
    this.checkMemAccess(st, pc, i.dst, base, i.off, size, 'write', unknownScalar(), -1);
    if (i.imm === 0xf1) this.writeReg(st, 0, unknownScalar());
    else if (i.imm & 1) {
      const r = unknownScalar();
      coerceToSize(r, size);
      this.writeReg(st, i.src, r);
    }
  }

  /**
   * check_mem_region_access: both ends of a (maybe variable) offset into a
   * sized region, with __check_mem_access's message before the verdict.
   */
  private checkMemRegionAccess(
    regno: number,
    reg: Reg,
    off: number,
    size: number,
    memSize: number,
    zeroOk: boolean,
  ): void {
    const what =
      reg.type === 'PTR_TO_MAP_VALUE'
        ? (o: number) => `invalid access to map value, value_size=${memSize} off=${o} size=${size}\n`
        : reg.type === 'PTR_TO_MAP_KEY'
          ? (o: number) => `invalid access to map key, key_size=${memSize} off=${o} size=${size}\n`
          : (o: number) => `invalid access to memory, mem_size=${memSize} off=${o} size=${size}\n`;
    const bad = (o: bigint) =>
      o < 0n || size < 0 || (size === 0 && !zeroOk) || o + BigInt(size) > BigInt(memSize);
    const lo = reg.smin + BigInt(off);
    if (reg.smin < 0n && (reg.smin === S64_MIN || lo !== BigInt.asIntN(32, lo) || lo < 0n)) {
      throw new Reject(
        'EACCES',
        `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.\n`,
      );
    }
    if (bad(lo)) {
      this.verbose(what(Number(lo)));
      throw new Reject('EACCES', `R${regno} min value is outside of the allowed memory range\n`);
    }
    if (reg.umax >= BPF_MAX_VAR_OFF) {
      throw new Reject(
        'EACCES',
        `R${regno} unbounded memory access, make sure to bounds check any such access\n`,
      );
    }
    const hi = reg.umax + BigInt(off);
    if (bad(hi)) {
      this.verbose(what(Number(hi)));
      throw new Reject('EACCES', `R${regno} max value is outside of the allowed memory range\n`);
    }
  }

  /** check_mem_access: returns the loaded value for reads. */
  private checkMemAccess(
    st: State,
    pc: number,
    regno: number,
    reg: Reg,
    insnOff: number,
    size: number,
    t: 'read' | 'write',
    val?: Reg,
    valRegno = -1,
  ): Reg | undefined {
    const off = reg.off + insnOff;
    if (reg.type === 'PTR_TO_STACK') {
      if (!tnumIsConst(reg.varOff)) {
        // check_stack_access_within_bounds with a variable offset
        const what = t === 'read' ? ' read from' : ' write to';
        if (reg.smax >= BPF_MAX_VAR_OFF || reg.smin <= -BPF_MAX_VAR_OFF) {
          throw new Reject('EACCES', `invalid unbounded variable-offset${what} stack R${regno}\n`);
        }
        const minOff = Number(reg.smin) + off;
        const maxOff = Number(reg.smax) + off;
        if (minOff < -MAX_BPF_STACK || maxOff + size > 0) {
          throw new Reject(
            'EACCES',
            `invalid variable-offset${what} stack R${regno} var_off=${tnumStrShort(reg)} off=${off} size=${size}\n`,
          );
        }
        if (t === 'write' && val && isPointer(val))
          throw new Reject('EACCES', `R${valRegno} variable offset stack write of pointer\n`);
        const fr = st.frames[reg.frameno] ?? this.frame(st);
        this.stackDepth[fr.subprog] = Math.max(this.stackDepth[fr.subprog] ?? 0, roundUp(-minOff, 8));
        // a variable-offset read marks only the slot at the fixed offset for the log
        if (t === 'read') this.scratchedStack.add(Math.floor((-off - 1) / 8));
        return stackVarAccess(this, fr, minOff, maxOff + size, t, val);
      }
      const o = off + Number(BigInt.asIntN(64, reg.varOff.value));
      if (o >= 0 || o < -MAX_BPF_STACK || o + size > 0) {
        throw new Reject(
          'EACCES',
          `invalid ${t === 'read' ? 'read from' : 'write to'} stack R${regno} off=${o} size=${size}\n`,
        );
      }
      if (o % size !== 0 && this.strictAlign())
        throw new Reject('EACCES', `misaligned stack access off ${o}+0+0 size ${size}\n`);
      const fr = st.frames[reg.frameno] ?? this.frame(st);
      const sub = fr.subprog;
      this.stackDepth[sub] = Math.max(this.stackDepth[sub] ?? 0, roundUp(-o, 8));
      return t === 'read'
        ? stackRead(this, fr, o, size, regno)
        : stackWrite(this, fr, o, size, val!, valRegno);
    }
    if (reg.type === 'PTR_TO_CTX') {
      if (!tnumIsConst(reg.varOff) || reg.off) {
        if (reg.off)
          throw new Reject('EACCES', `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed\n`);
        throw new Reject('EACCES', `variable ctx access var_off=${tnumStrShort(reg)} disallowed\n`);
      }
      return this.ctxAccess(pc, off, size, t);
    }
    if (
      reg.type === 'PTR_TO_MAP_VALUE' ||
      reg.type === 'PTR_TO_MEM' ||
      reg.type === 'PTR_TO_BUF' ||
      reg.type === 'PTR_TO_MAP_KEY'
    ) {
      if (reg.flags & PTR_MAYBE_NULL)
        throw new Reject('EACCES', `R${regno} invalid mem access '${regTypeStr(reg.type, reg.flags)}'\n`);
      const limit =
        reg.type === 'PTR_TO_MAP_VALUE'
          ? reg.map!.valueSize
          : reg.type === 'PTR_TO_MAP_KEY'
            ? reg.map!.keySize
            : reg.memSize;
      if (t === 'write' && reg.type === 'PTR_TO_MAP_VALUE' && mapRdonlyProg(reg)) {
        // check_map_access_type: BPF_F_RDONLY_PROG maps (.rodata) are read-only to programs
        throw new Reject('EACCES', `write into map forbidden, value_size=${limit} off=${off} size=${size}\n`);
      }
      if (t === 'write' && reg.flags & MEM_RDONLY) {
        if (reg.type === 'PTR_TO_MAP_VALUE')
          throw new Reject(
            'EACCES',
            `write into map forbidden, value_size=${limit} off=${off} size=${size}\n`,
          );
        throw new Reject('EACCES', `R${regno} cannot write into ${regTypeStr(reg.type, reg.flags)}\n`);
      }
      this.checkMemRegionAccess(regno, reg, off, size, limit, false);
      if (t === 'write' && val && isPointer(val) && reg.type !== 'PTR_TO_MAP_VALUE') {
        throw new Reject('EACCES', `R${valRegno} leaks addr into mem\n`);
      }
      const frozen = reg.map?.frozenValue;
      if (
        t === 'read' &&
        reg.type === 'PTR_TO_MAP_VALUE' &&
        mapRdonlyProg(reg) &&
        reg.map!.frozen &&
        frozen &&
        tnumIsConst(reg.varOff)
      ) {
        // bpf_map_direct_read: a read-only frozen map's bytes are constants (little-endian)
        const at = off + Number(reg.varOff.value);
        let v = 0n;
        for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(frozen[at + k] ?? 0);
        return constScalar(v);
      }
      return undefined;
    }
    if (reg.type === 'PTR_TO_BTF_ID') {
      if (reg.flags & PTR_MAYBE_NULL)
        throw new Reject('EACCES', `R${regno} invalid mem access '${regTypeStr(reg.type, reg.flags)}'\n`);
      if (!tnumIsConst(reg.varOff))
        throw new Reject(
          'EACCES',
          `R${regno} is ptr_${btfName(this.platform.btf, reg.btfId)} invalid variable offset: off=${reg.off}, var_off=${tnumStrShort(reg)}\n`,
        );
      if (off < 0)
        throw new Reject(
          'EACCES',
          `R${regno} is ptr_${btfName(this.platform.btf, reg.btfId)} invalid negative access: off=${off}\n`,
        );
      if (t === 'write') throw new Reject('EACCES', 'only read is supported\n');
      const w = btfStructWalk(this.platform.btf, reg.btfId, off, size);
      if (w.kind === 'error') throw new Reject('EACCES', `${w.msg}\n`);
      this.probeLoads.add(pc);
      if (w.kind === 'scalar') return undefined;
      let flags = 0;
      if (reg.flags & PTR_UNTRUSTED) flags = PTR_UNTRUSTED;
      else if (reg.flags & (PTR_TRUSTED | MEM_RCU)) {
        const trust = memberTrust(structName(this.platform.btf, reg.btfId), w.fieldName);
        if (trust === 'trusted') flags = PTR_TRUSTED;
        else if (trust === 'rcu' && !this.sleepable()) flags = MEM_RCU;
        // any other pointer walked from a trusted one is no longer trusted
        // (task->mm logs untrusted_ptr_mm_struct() on Linux 6.18)
        else flags = PTR_UNTRUSTED;
      }
      return pointer('PTR_TO_BTF_ID', flags, { btfId: w.btfId });
    }
    if (reg.type === 'SCALAR_VALUE' || reg.type === 'CONST_PTR_TO_MAP' || reg.type === 'PTR_TO_FUNC') {
      throw new Reject('EACCES', `R${regno} invalid mem access '${regTypeStr(reg.type, reg.flags)}'\n`);
    }
    throw new Reject('EACCES', `R${regno} invalid mem access '${regTypeStr(reg.type, reg.flags)}'\n`);
  }

  private strictAlign(): boolean {
    return ((this.req.progFlags ?? 0) & 1) !== 0;
  }

  private sleepable(): boolean {
    return ((this.req.progFlags ?? 0) & (1 << 4)) !== 0;
  }

  /** tracing_prog_is_valid_access + btf_ctx_access. */
  private ctxAccess(pc: number, off: number, size: number, t: 'read' | 'write'): Reg | undefined {
    const bad = (): never => {
      throw new Reject('EACCES', `invalid bpf_context access off=${off} size=${size}\n`);
    };
    const target = this.target;
    if (!target || this.req.progType !== BPF_PROG_TYPE_TRACING) bad();
    if (off < 0 || off >= 8 * 12 || t !== 'read' || off % size !== 0) bad();
    const btf = this.platform.btf;
    const tname = target!.funcName;
    if (off % 8) {
      this.verbose(`func '${tname}' offset ${off} is not multiple of 8\n`);
      bad();
    }
    const arg = off / 8;
    const protoId = target!.funcProtoId ?? findFuncProto(btf, tname);
    const proto = protoId !== undefined ? btf.type(protoId) : undefined;
    const params = proto && proto.kind === 'FUNC_PROTO' ? proto.params : [];
    if (arg >= params.length) {
      this.verbose(`func '${tname}' doesn't have ${arg + 1}-th argument\n`);
      bad();
    }
    const ptid = btf.skipModsAndTypedefs(params[arg]!.type);
    const pt = btf.type(ptid);
    if (pt.kind !== 'PTR') return undefined; // scalars may be read narrower
    if (size !== 8) {
      this.verbose(`func '${tname}' size ${size} must be 8\n`);
      bad();
    }
    void pc;
    for (const a of target!.ctxArgs) {
      if (a.offset !== off) continue;
      const id = a.btf_id ?? (a.btf_struct ? btf.findByName(a.btf_struct, 'STRUCT') : undefined);
      if (!id) {
        this.verbose(`invalid btf_id for context argument offset ${off}\n`);
        bad();
      }
      const r = regFromTypeString(a.reg_type, id!);
      // a nullable ctx pointer gets an id so that its NULL check marks every copy
      if (r.flags & PTR_MAYBE_NULL) r.id = this.newId();
      return r;
    }
    const pointeeId = btf.skipModsAndTypedefs(pt.type);
    const pointee = btf.type(pointeeId);
    if (pointee.kind !== 'STRUCT' && pointee.kind !== 'UNION') return undefined;
    this.verbose(
      `func '${tname}' arg${arg} has btf_id ${pointeeId} type ${pointee.kind} '${pointee.name}'\n`,
    );
    const iter = this.req.expectedAttachType === BPF_TRACE_ITER;
    return pointer('PTR_TO_BTF_ID', iter ? PTR_TRUSTED : 0, { btfId: pointeeId });
  }

  // ---- calls ---------------------------------------------------------------

  private checkHelperCall(st: State, pc: number, i: Insn): void {
    const id = i.imm;
    const names = helperNameOf(id);
    if (id < 0 || !names) throw new Reject('EINVAL', `invalid func unknown#${id}\n`);
    const proto = this.platform.getHelperProto(id, {
      progType: this.req.progType,
      expectedAttachType: this.req.expectedAttachType,
    });
    if (!proto) throw new Reject('EINVAL', `program of this type cannot use helper ${names}#${id}\n`);
    if (proto.gpl_only && !this.req.gplCompatible) {
      throw new Reject('EINVAL', 'cannot call GPL-restricted function from non-GPL compatible program\n');
    }
    const fr = this.frame(st);
    let mapArg: MapInfo | undefined;
    for (let a = 0; a < 5; a++) {
      const at = proto.arg_type[a];
      if (!at || at === 'ARG_DONTCARE') continue;
      const regno = a + 1;
      const reg = this.readReg(st, regno);
      const parts = at.split('|');
      const base = parts[0]!;
      const maybeNull = parts.includes('PTR_MAYBE_NULL');
      const rdonly = parts.includes('MEM_RDONLY');
      const isNull = reg.type === 'SCALAR_VALUE' && tnumIsConst(reg.varOff) && reg.varOff.value === 0n;
      switch (base) {
        case 'ARG_ANYTHING':
          break;
        case 'ARG_CONST_SIZE':
        case 'ARG_CONST_SIZE_OR_ZERO': {
          if (reg.type !== 'SCALAR_VALUE')
            throw new Reject('EACCES', `R${regno} type=${regTypeStr(reg.type, reg.flags)} expected=scalar\n`);
          if (reg.smin < 0n)
            throw new Reject(
              'EACCES',
              `R${regno} min value is negative, either use unsigned or 'var &= const'\n`,
            );
          if (reg.umin === 0n && base === 'ARG_CONST_SIZE') {
            throw new Reject('EACCES', `R${regno} invalid zero-sized read: u64=[${reg.umin},${reg.umax}]\n`);
          }
          if (reg.umax >= 1n << 29n)
            throw new Reject(
              'EACCES',
              `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'\n`,
            );
          const memReg = fr.regs[regno - 1]!;
          const memNull =
            memReg.type === 'SCALAR_VALUE' && tnumIsConst(memReg.varOff) && memReg.varOff.value === 0n;
          if (!memNull && reg.umax > 0n)
            this.checkHelperMem(
              st,
              regno - 1,
              memReg,
              Number(reg.umax),
              !(proto.arg_type[a - 1] ?? '').includes('MEM_RDONLY'),
              pc,
            );
          break;
        }
        case 'ARG_PTR_TO_MEM':
        case 'ARG_PTR_TO_UNINIT_MEM': {
          if (maybeNull && isNull) break;
          const ok = [
            'PTR_TO_STACK',
            'PTR_TO_MAP_VALUE',
            'PTR_TO_MAP_KEY',
            'PTR_TO_MEM',
            'PTR_TO_BUF',
            'PTR_TO_BTF_ID',
          ];
          if (!ok.includes(reg.type) || (reg.flags & PTR_MAYBE_NULL && !maybeNull)) {
            throw new Reject(
              'EACCES',
              `R${regno} type=${regTypeStr(reg.type, reg.flags)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_\n`,
            );
          }
          if (!rdonly && reg.flags & MEM_RDONLY)
            throw new Reject(
              'EACCES',
              `R${regno} type=${regTypeStr(reg.type, reg.flags)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_\n`,
            );
          // size checked with the following ARG_CONST_SIZE
          if (base === 'ARG_PTR_TO_UNINIT_MEM' && reg.type === 'PTR_TO_STACK') {
            // marked written by the size check
          }
          break;
        }
        case 'ARG_PTR_TO_CTX':
          if (reg.type !== 'PTR_TO_CTX')
            throw new Reject('EACCES', `R${regno} type=${regTypeStr(reg.type, reg.flags)} expected=ctx\n`);
          if (reg.off)
            throw new Reject(
              'EACCES',
              `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed\n`,
            );
          break;
        case 'ARG_CONST_MAP_PTR':
          if (reg.type !== 'CONST_PTR_TO_MAP')
            throw new Reject(
              'EACCES',
              `R${regno} type=${regTypeStr(reg.type, reg.flags)} expected=map_ptr\n`,
            );
          mapArg = reg.map;
          break;
        case 'ARG_PTR_TO_MAP_KEY':
        case 'ARG_PTR_TO_MAP_VALUE': {
          if (!mapArg) throw new Reject('EFAULT', 'invalid map_ptr to access map->key\n');
          const size = base === 'ARG_PTR_TO_MAP_KEY' ? mapArg.keySize : mapArg.valueSize;
          this.checkHelperMem(st, regno, reg, size, false, pc);
          break;
        }
        case 'ARG_PTR_TO_BTF_ID': {
          if (isNull && maybeNull) break;
          // a nullable pointer is not among the compatible types unless the argument takes NULL
          if (reg.type !== 'PTR_TO_BTF_ID' || (reg.flags & PTR_MAYBE_NULL && !maybeNull)) {
            throw new Reject(
              'EACCES',
              `R${regno} type=${regTypeStr(reg.type, reg.flags)} expected=ptr_, trusted_ptr_, rcu_ptr_\n`,
            );
          }
          const want = proto.arg_btf_id?.[a];
          const wantId = typeof want === 'string' ? this.platform.btf.findByName(want, 'STRUCT') : want;
          if (wantId !== undefined && !btfIdMatches(this.platform.btf, reg.btfId, reg.off, wantId)) {
            throw new Reject(
              'EACCES',
              `R${regno} is of type ${btfName(this.platform.btf, reg.btfId)} but ${btfName(this.platform.btf, wantId)} is expected\n`,
            );
          }
          if (reg.off && wantId !== undefined)
            throw new Reject(
              'EACCES',
              `R${regno} is of type ${btfName(this.platform.btf, reg.btfId)} but ${btfName(this.platform.btf, wantId)} is expected\n`,
            );
          break;
        }
        default:
          throw new Reject('EFAULT', `verifier internal error: unsupported arg type ${at}\n`);
      }
    }
    // clobber caller-saved registers
    for (let r = 1; r <= 5; r++) {
      fr.regs[r] = notInit();
      this.scratchedRegs |= 1 << r;
    }
    this.writeReg(st, 0, this.helperRet(proto, mapArg));
  }

  private helperRet(proto: HelperProto, map: MapInfo | undefined): Reg {
    const parts = proto.ret_type.split('|');
    const base = parts[0]!;
    switch (base) {
      case 'RET_INTEGER':
        return unknownScalar();
      case 'RET_VOID':
        return notInit();
      case 'RET_PTR_TO_MAP_VALUE_OR_NULL':
      case 'RET_PTR_TO_MAP_VALUE': {
        const r = pointer('PTR_TO_MAP_VALUE', base.endsWith('OR_NULL') ? PTR_MAYBE_NULL : 0, { map });
        if (r.flags & PTR_MAYBE_NULL) r.id = this.newId();
        return r;
      }
      case 'RET_PTR_TO_BTF_ID':
      case 'RET_PTR_TO_BTF_ID_OR_NULL':
      case 'RET_PTR_TO_BTF_ID_TRUSTED': {
        const want = proto.ret_btf_id;
        const id =
          typeof want === 'string' ? (this.platform.btf.findByName(want, 'STRUCT') ?? 0) : (want ?? 0);
        let flags =
          base === 'RET_PTR_TO_BTF_ID_OR_NULL' || parts.includes('PTR_MAYBE_NULL') ? PTR_MAYBE_NULL : 0;
        if (base === 'RET_PTR_TO_BTF_ID_TRUSTED' || parts.includes('PTR_TRUSTED')) flags |= PTR_TRUSTED;
        const r = pointer('PTR_TO_BTF_ID', flags, { btfId: id });
        if (flags & PTR_MAYBE_NULL) r.id = this.newId();
        return r;
      }
      default:
        return unknownScalar();
    }
  }

  /** check_helper_mem_access for a pointer + size pair. */
  private checkHelperMem(st: State, regno: number, reg: Reg, size: number, write: boolean, pc: number): void {
    if (reg.type === 'PTR_TO_STACK') {
      if (!tnumIsConst(reg.varOff))
        throw new Reject('EACCES', `R${regno} variable stack access prohibited\n`);
      const o = reg.off + Number(BigInt.asIntN(64, reg.varOff.value));
      if (o < -MAX_BPF_STACK || o + size > 0 || o >= 0) {
        throw new Reject(
          'EACCES',
          `invalid ${write ? 'write to' : 'read from'} stack R${regno} off=${o} size=${size}\n`,
        );
      }
      const fr = st.frames[reg.frameno] ?? this.frame(st);
      this.stackDepth[fr.subprog] = Math.max(this.stackDepth[fr.subprog] ?? 0, roundUp(-o, 8));
      for (let b = 0; b < size; b++) {
        const byteOff = o + b;
        const spi = Math.floor((-byteOff - 1) / 8);
        const idx = (-byteOff - 1) % 8;
        let slot = fr.stack.get(spi);
        // helper accesses do not scratch the slots (no state print for them)
        if (write) {
          if (!slot) {
            slot = { types: Array(8).fill('INVALID'), spilled: undefined };
            fr.stack.set(spi, slot);
          }
          if (slot.types[7] === 'SPILL') {
            slot.types = slot.types.map(() => 'MISC');
            slot.spilled = undefined;
          }
          slot.types[idx] = 'MISC';
          continue;
        }
        const ty = slot?.types[idx] ?? 'INVALID';
        // spilled registers of any type count as initialised (allow_ptr_leaks); never-written
        // bytes are readable too for a privileged loader (env->allow_uninit_stack)
        if (ty === 'INVALID' && !ALLOW_UNINIT_STACK)
          throw new Reject('EACCES', `invalid read from stack R${regno} off ${o}+${b} size ${size}\n`);
      }
      return;
    }
    if (reg.type === 'PTR_TO_BTF_ID' && !write) {
      this.checkMemAccess(st, pc, regno, reg, 0, Math.min(size, 8), 'read');
      return;
    }
    const limit =
      reg.type === 'PTR_TO_MAP_VALUE'
        ? reg.map!.valueSize
        : reg.type === 'PTR_TO_MAP_KEY'
          ? reg.map!.keySize
          : reg.memSize;
    if (reg.flags & PTR_MAYBE_NULL)
      throw new Reject('EACCES', `R${regno} invalid mem access '${regTypeStr(reg.type, reg.flags)}'\n`);
    if (write && reg.type === 'PTR_TO_MAP_VALUE' && (reg.flags & MEM_RDONLY || mapRdonlyProg(reg))) {
      throw new Reject(
        'EACCES',
        `write into map forbidden, value_size=${limit} off=${reg.off} size=${size}\n`,
      );
    }
    // the whole [ptr, ptr + size) range, at both ends of the pointer's variable offset
    this.checkMemRegionAccess(regno, reg, reg.off, size, limit, true);
  }

  private pseudoCall(st: State, pc: number, i: Insn): number {
    if (st.frames.length >= MAX_CALL_FRAMES) {
      throw new Reject('E2BIG', `the call stack of ${st.frames.length + 1} frames is too deep\n`);
    }
    const target = pc + i.imm + 1;
    const caller = this.frame(st);
    const regs = Array.from({ length: 11 }, notInit);
    for (let r = 1; r <= 5; r++) {
      if (caller.regs[r]!.type !== 'NOT_INIT') regs[r] = cloneReg(caller.regs[r]!);
    }
    const frameno = st.frames.length;
    regs[10] = pointer('PTR_TO_STACK', 0, { frameno });
    const sub = this.cfg.subprogStarts.indexOf(target);
    st.frames.push({ frameno, callsite: pc, subprog: sub, regs, stack: new Map() });
    // clear_caller_saved_regs: r0-r5 of the caller are gone once the callee runs
    for (let r = 0; r <= 5; r++) caller.regs[r] = notInit();
    if (this.level & 1) {
      this.verbose(`caller:\n`);
      this.printFrame(caller, st, true);
      this.verbose(`callee:\n`);
      this.printFrame(this.frame(st), st, true);
    }
    // the callee's whole state is printed again before its first instruction
    this.scratchAll(st);
    // total stack of the chain
    const total = st.frames.reduce((s, f) => s + roundUp(this.stackDepth[f.subprog] ?? 0, 32), 0);
    if (total > MAX_BPF_STACK)
      throw new Reject('EACCES', `combined stack size of ${st.frames.length} calls is ${total}. Too large\n`);
    return target;
  }

  private printFrame(f: Frame, st: State, all: boolean): void {
    const save = st.frames;
    const idx = save.indexOf(f);
    this.printState({ pc: st.pc, frames: save.slice(0, idx + 1) }, all);
  }

  private checkExit(st: State): number | 'exit' {
    const r0 = this.frame(st).regs[0]!;
    if (r0.type === 'NOT_INIT') throw new Reject('EACCES', 'R0 !read_ok\n');
    if (st.frames.length > 1) {
      const callee = st.frames.pop()!;
      const caller = this.frame(st);
      if (r0.type === 'PTR_TO_STACK' && r0.frameno === callee.frameno) {
        throw new Reject('EINVAL', 'cannot return stack pointer to the caller\n');
      }
      caller.regs[0] = cloneReg(r0);
      this.returnedFrom = st.pc;
      if (this.level & 1) {
        this.verbose('returning from callee:\n');
        this.printState({ pc: st.pc, frames: [...st.frames, callee] }, true);
        this.verbose(`to caller at ${callee.callsite + 1}:\n`);
        this.printState(st, true);
      }
      return callee.callsite + 1;
    }
    // check_return_code for the main program
    if (this.req.progType === BPF_PROG_TYPE_TRACING && this.req.expectedAttachType === BPF_TRACE_ITER) {
      if (r0.type !== 'SCALAR_VALUE')
        throw new Reject(
          'EACCES',
          `At program exit the register R0 is not a known value (${regTypeStr(r0.type, r0.flags)})\n`,
        );
      if (!(r0.smin >= 0n && r0.smax <= 1n && r0.umax <= 1n)) {
        let s = 'At program exit the register R0 has';
        let unknown = true;
        if (r0.smin > -(1n << 63n)) {
          s += ` smin=${r0.smin}`;
          unknown = false;
        }
        if (r0.smax < (1n << 63n) - 1n) {
          s += ` smax=${r0.smax}`;
          unknown = false;
        }
        if (unknown) s += ' unknown scalar value';
        throw new Reject('EACCES', `${s} should have been in [0, 1]\n`);
      }
    } else if (isPointer(r0)) {
      throw new Reject('EACCES', 'R0 leaks addr as return value\n');
    }
    return 'exit';
  }
}

const BPF_MAX_VAR_OFF = 1n << 29n;
/** Pointer types arithmetic is allowed on (adjust_ptr_min_max_vals). */
const ARITH_PTR_TYPES = new Set<string>([
  'PTR_TO_CTX',
  'PTR_TO_MAP_VALUE',
  'PTR_TO_MAP_KEY',
  'PTR_TO_STACK',
  'PTR_TO_BTF_ID',
  'PTR_TO_MEM',
  'PTR_TO_BUF',
  'PTR_TO_FUNC',
]);
/** bpf_alu_string[] of kernel/bpf/disasm.c. */
const BPF_ALU_STRING: Record<AluOp, string> = {
  add: '+=',
  sub: '-=',
  mul: '*=',
  div: '/=',
  or: '|=',
  and: '&=',
  lsh: '<<=',
  rsh: '>>=',
  neg: 'neg',
  mod: '%=',
  xor: '^=',
  arsh: 's>>=',
};

const BPF_F_RDONLY_PROG = 1 << 7;
const mapRdonlyProg = (r: Reg): boolean => ((r.map?.flags ?? 0) & BPF_F_RDONLY_PROG) !== 0;

function byteSwap(v: bigint, bytes: number): bigint {
  let out = 0n;
  for (let k = 0; k < bytes; k++) out = (out << 8n) | ((v >> BigInt(8 * k)) & 0xffn);
  return out;
}

function roundUp(x: number, m: number): number {
  return Math.ceil(x / m) * m;
}

function tnumStrShort(r: Reg): string {
  return `(0x${r.varOff.value.toString(16)}; 0x${r.varOff.mask.toString(16)})`;
}

function signExtend(r: Reg, size: number, to32: boolean): void {
  const bits = BigInt(size * 8);
  if (tnumIsConst(r.varOff)) {
    const v = BigInt.asIntN(Number(bits), r.varOff.value);
    Object.assign(r, constScalar(to32 ? BigInt.asUintN(32, v) : v));
    return;
  }
  const lo = -(1n << (bits - 1n));
  const hi = (1n << (bits - 1n)) - 1n;
  Object.assign(r, unknownScalar());
  if (to32) {
    r.s32min = lo;
    r.s32max = hi;
    r.varOff = tnumRange(0n, 0xffffffffn);
    r.umax = 0xffffffffn;
    r.smin = 0n;
    r.smax = 0xffffffffn;
  } else {
    r.smin = lo;
    r.smax = hi;
  }
  regBoundsSync(r);
  if (boundsInvalid(r)) Object.assign(r, unknownScalar());
}

function helperNameOf(id: number): string | undefined {
  // ids beyond __BPF_FUNC_MAX_ID are "invalid func"
  return HELPER_NAMES[id];
}

import { helperNames as HELPER_NAMES_RAW } from '@tsbpf/uapi';

const HELPER_NAMES = HELPER_NAMES_RAW as readonly (string | undefined)[];

function findFuncProto(btf: Platform['btf'], name: string): number | undefined {
  const f = btf.findByName(name, 'FUNC');
  if (f === undefined) return undefined;
  const t = btf.type(f);
  return t.kind === 'FUNC' ? t.type : undefined;
}

function regFromTypeString(s: string, btfId: number): Reg {
  const parts = s.split('|').map((p) => p.trim());
  let base: BaseType = 'PTR_TO_BTF_ID';
  let flags = 0;
  for (const p of parts) {
    if (p === 'PTR_TO_BTF_ID_OR_NULL') {
      base = 'PTR_TO_BTF_ID';
      flags |= PTR_MAYBE_NULL;
    } else if (p === 'PTR_TO_BTF_ID') base = 'PTR_TO_BTF_ID';
    else if (p === 'PTR_TO_BUF') base = 'PTR_TO_BUF';
    else if (p === 'PTR_TO_MEM') base = 'PTR_TO_MEM';
    else if (p === 'PTR_MAYBE_NULL') flags |= PTR_MAYBE_NULL;
    else if (p === 'PTR_TRUSTED') flags |= PTR_TRUSTED;
    else if (p === 'MEM_RDONLY') flags |= MEM_RDONLY;
    else if (p === 'PTR_UNTRUSTED') flags |= PTR_UNTRUSTED;
    else if (p === 'MEM_RCU') flags |= MEM_RCU;
  }
  return pointer(base, flags, { btfId });
}

/** btf_struct_ids_match: the id itself or a first member at offset 0, recursively. */
function btfIdMatches(btf: Platform['btf'], have: number, off: number, want: number): boolean {
  let id = btf.skipModsAndTypedefs(have);
  const w = btf.skipModsAndTypedefs(want);
  for (let g = 0; g < 16; g++) {
    if (id === w && off === 0) return true;
    const t = btf.type(id);
    if ((t.kind !== 'STRUCT' && t.kind !== 'UNION') || !t.members.length) return false;
    id = btf.skipModsAndTypedefs(t.members[0]!.type);
  }
  return false;
}

export type { Frame, State };
export { tnumConst, vlogAlignment, zext32 };
