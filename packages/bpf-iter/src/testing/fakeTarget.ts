/**
 * A fake iterator target over an array, shaped like Linux's bpf targets
 * (show runs the "program" with the session's seq_num, stop(NULL) runs the
 * final call unless done_stop), for testing bpf_seq_read without a kernel.
 */

import { SeqErr, SeqFile, type SeqOperations } from '../seqFile.js';
import { type BpfIterPriv, bpfIterGetInfo, bpfIterProgResult, createBpfIterPriv } from '../seqRead.js';

/** One program run: obj is null for the final call. Return 0 or 1, like a BPF program. */
export type FakeProg<O> = (seq: SeqFile<O>, obj: O | null, seqNum: bigint, sessionId: bigint) => number;

export interface FakeCall<O> {
  obj: O | null;
  seqNum: bigint;
}

export interface FakeTargetOptions {
  /** show() returns this (> 0 = skip) for objects where it returns non-undefined. */
  skip?: (obj: unknown) => boolean;
  /** next() returns an error pointer when moving to this index. */
  nextErrAt?: { index: number; err: number };
  /** start() returns an error pointer. */
  startErr?: number;
  resched?: boolean;
}

export function createFakeIter<O>(
  objects: readonly O[],
  prog: FakeProg<O>,
  options: FakeTargetOptions = {},
  sessionId = 1n,
): { seq: SeqFile<O>; calls: FakeCall<O>[]; priv: BpfIterPriv<FakeProg<O>, null>; stops: number } {
  const calls: FakeCall<O>[] = [];
  const state = { stops: 0 };
  const run = (seq: SeqFile<O>, obj: O | null, inStop: boolean): number => {
    const info = bpfIterGetInfo<FakeProg<O>>(seq, inStop);
    if (!info) return 0;
    calls.push({ obj, seqNum: info.seqNum });
    return bpfIterProgResult(info.prog(seq, obj, info.seqNum, info.sessionId));
  };
  const at = (seq: SeqFile<O>): O | null => (seq.index < objects.length ? (objects[seq.index] as O) : null);
  const ops: SeqOperations<O> = {
    start(seq) {
      if (options.startErr !== undefined) return new SeqErr(options.startErr);
      return at(seq);
    },
    next(seq) {
      seq.index++;
      if (options.nextErrAt && options.nextErrAt.index === seq.index)
        return new SeqErr(options.nextErrAt.err);
      return at(seq);
    },
    show(seq, v) {
      if (options.skip?.(v)) return 1;
      return run(seq, v, false);
    },
    stop(seq, v) {
      state.stops++;
      if (v === null) run(seq, null, true);
    },
  };
  const priv = createBpfIterPriv(prog, sessionId, null, options.resched ?? false);
  const seq = new SeqFile<O>(ops, priv);
  return {
    seq,
    calls,
    priv,
    get stops() {
      return state.stops;
    },
  };
}

/** `len` bytes of a repeating pattern starting with `tag`. */
export function bytesOf(len: number, tag = 0x61): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = tag + (i % 26);
  return b;
}
