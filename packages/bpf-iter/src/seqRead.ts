/**
 * `bpf_seq_read`: the read() of every bpf iterator file (current kernels,
 * reference §1.2). One call fills the seq_file buffer at most once (lazily
 * allocated, 8 pages, "size - 1" usable), drains buffered bytes first,
 * reports an error only when nothing was produced, and retries a failed
 * object on the next read.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/kernel/bpf/bpf_iter.c (bpf_seq_read)
 */
import { ERRNO } from '@tsbpf/uapi';
import { BPF_ITER_SEQ_BUF_SIZE, isSeqErr, type SeqErr, type SeqFile } from './seqFile.js';

/** Objects visited by one read() before it must return (kernel/bpf/bpf_iter.c). */
export const MAX_ITER_OBJECTS = 1_000_000;

/**
 * The bpf part of an iterator file's private state (struct
 * bpf_iter_priv_data): the program (reference taken at open), the session
 * id, the running seq_num and the done_stop flag. Targets keep their own
 * state in `target`.
 */
export interface BpfIterPriv<P = unknown, S = unknown> {
  /** The program run by show/stop; null for a /proc-style seq_file. */
  prog: P | null;
  sessionId: bigint;
  seqNum: bigint;
  doneStop: boolean;
  /** Whether the target has BPF_ITER_RESCHED. */
  canResched: boolean;
  /** The target's per-open state (`target_private`). */
  target: S;
}

export function createBpfIterPriv<P, S>(
  prog: P | null,
  sessionId: bigint,
  target: S,
  canResched = false,
): BpfIterPriv<P, S> {
  return { prog, sessionId, seqNum: 0n, doneStop: false, canResched, target };
}

/** The bpf_iter_meta values a show/stop call hands to the program. */
export interface BpfIterMetaValues<P = unknown> {
  prog: P;
  sessionId: bigint;
  seqNum: bigint;
}

/** The BpfIterPriv of a seq_file, or undefined when it is not a bpf iterator file. */
export function bpfIterPrivOf(seq: SeqFile<unknown>): BpfIterPriv | undefined {
  const p = seq.priv as Partial<BpfIterPriv> | undefined;
  return p && typeof p === 'object' && 'seqNum' in p && 'doneStop' in p ? (p as BpfIterPriv) : undefined;
}

/**
 * bpf_iter_get_info(): what a target's show (in_stop false) or stop (in_stop
 * true) needs to run the program; null when there is no program, or when the
 * final call already ran for this session.
 */
export function bpfIterGetInfo<P>(seq: SeqFile<unknown>, inStop: boolean): BpfIterMetaValues<P> | null {
  const priv = bpfIterPrivOf(seq);
  if (!priv || priv.prog === null) return null;
  if (inStop && priv.doneStop) return null;
  return { prog: priv.prog as P, sessionId: priv.sessionId, seqNum: priv.seqNum };
}

/**
 * bpf_iter_run_prog()'s result conversion: the program returns 0 (ok) or 1
 * (retry this object); anything non-zero becomes -EAGAIN for show().
 */
export function bpfIterProgResult(r0: bigint | number): number {
  return BigInt(r0) === 0n ? 0 : -ERRNO.EAGAIN;
}

/** Hooks for observing the read loop (tests, tracing). */
export interface SeqReadHooks {
  /** cond_resched() in the fill loop of BPF_ITER_RESCHED targets. */
  condResched?(): void;
}

function incSeqNum(seq: SeqFile<unknown>): void {
  const priv = bpfIterPrivOf(seq);
  if (priv) priv.seqNum++;
}

function decSeqNum(seq: SeqFile<unknown>): void {
  const priv = bpfIterPrivOf(seq);
  if (priv) priv.seqNum--;
}

/**
 * bpf_seq_read(): fills `out` (its length is the read size `n`) and returns
 * the byte count, 0 at end of iteration, or a negative errno.
 */
export function bpfSeqRead<T>(seq: SeqFile<T>, out: Uint8Array, hooks: SeqReadHooks = {}): number {
  const size = out.length;
  let copied = 0;
  let err = 0;
  let numObjs = 0;
  const op = seq.op;

  if (!seq.buf) {
    seq.size = BPF_ITER_SEQ_BUF_SIZE;
    seq.buf = new Uint8Array(seq.size);
  }
  const buf = seq.buf;

  // Drain path: hand out what the previous fill left, nothing more.
  if (seq.count > 0) {
    const n = Math.min(seq.count, size);
    out.set(buf.subarray(seq.from, seq.from + n));
    seq.count -= n;
    seq.from += n;
    copied = n;
    return finish(seq, copied, err);
  }

  seq.from = 0;
  let p: T | null | SeqErr = op.start(seq);
  if (p !== null) {
    if (isSeqErr(p)) {
      op.stop(seq, p);
      seq.count = 0;
      return finish(seq, 0, p.err);
    }
    err = op.show(seq, p);
    if (err > 0) {
      // Skipped: the next valid object reuses this seq_num.
      decSeqNum(seq);
      seq.count = 0;
    } else if (err < 0 || seq.hasOverflowed()) {
      if (err === 0) err = -ERRNO.E2BIG;
      op.stop(seq, p);
      seq.count = 0;
      return finish(seq, 0, err);
    }

    const canResched = bpfIterPrivOf(seq)?.canResched ?? false;
    for (;;) {
      const pos = seq.index;
      numObjs++;
      const offs = seq.count;
      p = op.next(seq, p);
      if (pos === seq.index) {
        seq.buggyNextCount++;
        seq.index++;
      }
      if (p === null || isSeqErr(p)) break;

      // A valid next object: it gets the next seq_num.
      incSeqNum(seq);

      if (seq.count >= size) break;

      if (numObjs >= MAX_ITER_OBJECTS) {
        if (offs === 0) {
          op.stop(seq, p);
          return finish(seq, 0, -ERRNO.EAGAIN);
        }
        break;
      }

      err = op.show(seq, p);
      if (err > 0) {
        decSeqNum(seq);
        seq.count = offs;
      } else if (err < 0 || seq.hasOverflowed()) {
        seq.count = offs;
        if (offs === 0) {
          if (err === 0) err = -ERRNO.E2BIG;
          op.stop(seq, p);
          return finish(seq, 0, err);
        }
        break;
      }
      if (canResched) hooks.condResched?.();
    }
  }

  // Stop stage.
  const offs = seq.count;
  if (p !== null && isSeqErr(p)) {
    op.stop(seq, null);
    return finish(seq, 0, p.err);
  }
  // The target runs the program's final call when p is null.
  op.stop(seq, p);
  if (p === null) {
    if (!seq.hasOverflowed()) {
      const priv = bpfIterPrivOf(seq);
      if (priv) priv.doneStop = true;
    } else {
      seq.count = offs;
      if (offs === 0) return finish(seq, 0, -ERRNO.E2BIG);
    }
  }

  const n = Math.min(seq.count, size);
  out.set(buf.subarray(0, n));
  copied = n;
  seq.count -= n;
  seq.from = n;
  return finish(seq, copied, 0);
}

function finish(seq: SeqFile<unknown>, copied: number, err: number): number {
  if (copied === 0) return err;
  seq.pos += copied;
  return copied;
}
