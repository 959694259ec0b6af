/**
 * Verifier states and their comparison (struct bpf_verifier_state,
 * bpf_func_state; regsafe, states_equal helpers and states_maybe_looping
 * of kernel/bpf/verifier.c).
 */
import { tnumIn } from './domains/tnum.js';
import { cloneReg, type Reg, type StackSlot } from './regState.js';

export interface Frame {
  frameno: number;
  callsite: number;
  subprog: number;
  regs: Reg[];
  stack: Map<number, StackSlot>;
}

export interface State {
  frames: Frame[];
  pc: number;
  /** The newest checkpoint on this path (bpf_verifier_state.parent). */
  parent?: Checkpoint;
}

/** An explored state kept for pruning (bpf_verifier_state_list). */
export interface Checkpoint {
  st: State;
  /** Paths still being explored below this checkpoint; pruning uses it only at 0. */
  branches: number;
  parent: Checkpoint | undefined;
  hit: number;
  miss: number;
  /** Dropped from its pc's list while still referenced (the kernel's free_list). */
  evicted: boolean;
}

export interface Pending {
  st: State;
  from: number;
}

export function cloneFrame(f: Frame): Frame {
  const stack = new Map<number, StackSlot>();
  for (const [k, s] of f.stack)
    stack.set(k, { types: [...s.types], spilled: s.spilled && cloneReg(s.spilled) });
  return { ...f, regs: f.regs.map(cloneReg), stack };
}
export const cloneState = (s: State): State => ({
  pc: s.pc,
  frames: s.frames.map(cloneFrame),
  parent: s.parent,
});

/** check_ids: ids must map one-to-one between the old and the current state. */
export class IdMap {
  private readonly fwd = new Map<number, number>();
  private readonly back = new Map<number, number>();
  check(o: number, c: number): boolean {
    if ((o === 0) !== (c === 0)) return false;
    if (o === 0) return true;
    const f = this.fwd.get(o);
    const b = this.back.get(c);
    if (f === undefined && b === undefined) {
      this.fwd.set(o, c);
      this.back.set(c, o);
      return true;
    }
    return f === c && b === o;
  }
}

/** regsafe: every value `cur` may hold is one `old` was proven safe with. */
export function regsafe(old: Reg, cur: Reg, ids: IdMap): boolean {
  if (old.type === 'NOT_INIT') return true;
  if (cur.type === 'NOT_INIT') return false;
  if (old.type === 'SCALAR_VALUE') {
    if (cur.type !== 'SCALAR_VALUE') return false;
    // linked scalars: only the ids of registers sharing bounds matter
    if (old.id && !ids.check(old.id, cur.id)) return false;
    return rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
  }
  if (old.type !== cur.type || old.flags !== cur.flags || old.off !== cur.off || old.btfId !== cur.btfId)
    return false;
  if (old.map !== cur.map || old.frameno !== cur.frameno || old.memSize !== cur.memSize) return false;
  if (!ids.check(old.id, cur.id)) return false;
  return rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
}

export function rangeWithin(old: Reg, cur: Reg): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max
  );
}

/** regs_exact: same type, bounds and offsets, ids equal up to renaming. */
export function regsExact(a: Reg, b: Reg, ids: IdMap): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'NOT_INIT') return true;
  return (
    a.flags === b.flags &&
    a.off === b.off &&
    a.btfId === b.btfId &&
    a.map === b.map &&
    a.frameno === b.frameno &&
    a.memSize === b.memSize &&
    a.varOff.value === b.varOff.value &&
    a.varOff.mask === b.varOff.mask &&
    rangeWithin(a, b) &&
    rangeWithin(b, a) &&
    ids.check(a.id, b.id)
  );
}

/** states_maybe_looping: same call chain and the same registers in the current frame. */
export function statesMaybeLooping(old: State, cur: State): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  for (let k = 0; k < old.frames.length; k++)
    if (old.frames[k]!.callsite !== cur.frames[k]!.callsite) return false;
  const fo = old.frames[old.frames.length - 1]!;
  const fc = cur.frames[cur.frames.length - 1]!;
  const none = new IdMap();
  for (let r = 0; r < 11; r++) {
    const a = fo.regs[r]!;
    const b = fc.regs[r]!;
    if (a.id !== b.id || !regsExact(a, b, none)) return false;
  }
  return true;
}
