import type { Insn } from './insn.js';
import type { AddressSpace } from './memory.js';

/**
 * A helper function called by `call <id>`. It receives r1..r5 as unsigned
 * 64-bit values and returns r0. It may read and write memory through
 * `env.memory`. Throwing a `VmFault` aborts the program with that fault;
 * any other exception is a bug and propagates as is.
 */
export type HelperFn = (env: HelperEnv, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/** What a helper sees of the running program. */
export interface HelperEnv {
  readonly memory: AddressSpace;
  /** The caller's per-run context (e.g. the seq_file of an iterator run). */
  readonly runContext: unknown;
  /** The pc of the call instruction. */
  readonly pc: number;
}

/** How helpers are found by id. */
export type HelperTable = ReadonlyMap<number, HelperFn>;

/** Options for preparing a program to run. */
export interface PrepareOptions {
  /** The engine; the JIT is the default. */
  engine?: 'jit' | 'interp';
  helpers?: HelperTable;
  /**
   * Instruction indexes whose loads are "probe" loads (BPF_PROBE_MEM): a
   * faulting load yields 0 instead of a fault. The verifier marks loads
   * through PTR_TO_BTF_ID this way, as Linux's exception tables do.
   */
  probeLoads?: ReadonlySet<number>;
  /**
   * Execute at most this many instructions per run (for unverified code);
   * exceeding it is a `budget` fault. Unlimited when absent.
   */
  budget?: number;
}

/** Per-run inputs. */
export interface RunOptions {
  memory: AddressSpace;
  /** Initial r1..r5 (missing ones are 0). */
  args?: readonly bigint[];
  /** Passed to helpers as `env.runContext`. */
  runContext?: unknown;
}

/** A prepared (decoded, and for the JIT compiled) program. */
export interface Executable {
  readonly engine: 'jit' | 'interp';
  /** Runs from instruction 0; returns r0 at the outermost exit, unsigned. Throws VmFault. */
  run(options: RunOptions): bigint;
}

export type VmFaultKind =
  | 'memory' // load/store outside a region, or store to a read-only one
  | 'divide' // reserved; BPF division by zero is defined, not a fault
  | 'budget' // instruction budget exhausted
  | 'call-depth' // more than MAX_CALL_FRAMES frames
  | 'unknown-helper'
  | 'invalid-insn' // opcode the engine cannot execute
  | 'bad-jump'; // jump or fall-through outside the program

/** A runtime fault of a BPF program: a result, not a host crash. */
export class VmFault extends Error {
  override name = 'VmFault';
  constructor(
    readonly kind: VmFaultKind,
    readonly pc: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`pc ${pc}: ${message}`, options);
  }
}

/** Signature of the engine factories. */
export type PrepareFn = (insns: readonly Insn[], options?: PrepareOptions) => Executable;
