/**
 * Iterator files ("sessions"): prepare_seq_file() for BPF_ITER_CREATE and for
 * open() of a pinned iterator link. Each open takes a program reference,
 * gets the next global session_id, runs the target's private init (which
 * captures the opener's namespaces) and reads with bpf_seq_read.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/kernel/bpf/bpf_iter.c (prepare_seq_file, bpf_iter_new_fd)
 */
import { ERRNO } from '@tsbpf/uapi';
import type { BprintfBuffers } from './bprintf.js';
import type { IterRunContext } from './helpers.js';
import type { IterKernel, IterProg } from './kernelApi.js';
import { SeqFile } from './seqFile.js';
import {
  type BpfIterPriv,
  bpfIterGetInfo,
  bpfIterProgResult,
  bpfSeqRead,
  createBpfIterPriv,
  type SeqReadHooks,
} from './seqRead.js';
import { BPF_ITER_RESCHED, type BpfIterAuxInfo, type BpfIterReg, type IterProgRunner } from './target.js';
import type { Symbolizer } from './vsprintf.js';

/** Size of struct bpf_iter_meta. */
export const BPF_ITER_META_SIZE = 24;
/** Bytes reserved for a struct seq_file object (only its address is visible to programs). */
const SEQ_FILE_OBJ_SIZE = 128;

/** Per-kernel iterator state: the session counter and printf buffers. */
export interface BpfIterSessionState {
  /** Last session id handed out (the first session gets 1). */
  sessionId: bigint;
  buffers?: BprintfBuffers;
  symbolize?: Symbolizer;
  hooks?: SeqReadHooks;
}

/** How the file was opened: anonymous (BPF_ITER_CREATE) or a pinned link opened by path. */
export type IterFileKind = 'anon' | 'pinned';

/** An open iterator file. */
export class BpfIterFile {
  private released = false;

  constructor(
    readonly kind: IterFileKind,
    readonly seq: SeqFile<unknown>,
    readonly priv: BpfIterPriv<IterProg, unknown>,
    private readonly kernel: IterKernel,
    private readonly allocations: bigint[],
    private readonly hooks: SeqReadHooks,
    /** open() flags (pinned files may be opened O_RDWR). */
    readonly flags: number,
  ) {}

  get sessionId(): bigint {
    return this.priv.sessionId;
  }

  /** read(2): bytes copied into `buf`, 0 at the end, or a negative errno. */
  read(buf: Uint8Array): number {
    if (this.released) return -ERRNO.EBADF;
    return bpfSeqRead(this.seq, buf, this.hooks);
  }

  /** pread(2): ESPIPE for anonymous iterators; pinned ones ignore the offset. */
  pread(buf: Uint8Array, _offset: number): number {
    if (this.kind === 'anon') return -ERRNO.ESPIPE;
    return this.read(buf);
  }

  /** lseek(2): iterator files cannot seek. */
  lseek(_offset: number, _whence: number): number {
    return -ERRNO.ESPIPE;
  }

  /** write(2): EBADF on the read-only anonymous fd, EINVAL on a pinned file (no write op). */
  write(_data: Uint8Array): number {
    if (this.kind === 'anon' || (this.flags & 3) === 0) return -ERRNO.EBADF;
    return -ERRNO.EINVAL;
  }

  /** The last close: stop state, free kernel objects, drop the program reference. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const a of this.allocations) this.kernel.kfree(a);
    this.priv.prog?.put();
  }
}

/**
 * prepare_seq_file(): a new session of `reg` running `prog` (a reference is
 * taken here) with the link's `aux` parameters, for `opener`.
 */
export function bpfIterOpenSession<K extends IterKernel>(
  state: BpfIterSessionState,
  kernel: K,
  reg: BpfIterReg<K>,
  prog: IterProg,
  aux: BpfIterAuxInfo,
  opener: unknown,
  kind: IterFileKind,
  flags = 0,
  runExtras: Omit<IterRunContext, 'seq' | 'buffers' | 'symbolize'> = {},
): BpfIterFile {
  prog.get();
  state.sessionId += 1n;
  const sessionId = state.sessionId;
  const seqAddr = kernel.kzalloc('seq_file', SEQ_FILE_OBJ_SIZE);
  const metaAddr = kernel.kzalloc('bpf_iter_meta', BPF_ITER_META_SIZE);
  const ctxAddr = kernel.kzalloc(`bpf_iter__${reg.target}`, Math.max(reg.ctxSize, 8));
  const mem = kernel.memory;
  mem.store(metaAddr, 8, seqAddr);
  mem.store(metaAddr + 8n, 8, sessionId);
  mem.store(ctxAddr, 8, metaAddr);

  const runContext: IterRunContext = {
    ...runExtras,
    seq: undefined as unknown as SeqFile<unknown>,
    ...(state.buffers ? { buffers: state.buffers } : {}),
    ...(state.symbolize ? { symbolize: state.symbolize } : {}),
  };
  // __<target>_seq_show(): fill meta and ctx, run, convert the result.
  const run: IterProgRunner = (seq, slots, inStop) => {
    const info = bpfIterGetInfo<IterProg>(seq, inStop);
    if (!info) return 0;
    mem.store(metaAddr + 16n, 8, info.seqNum);
    slots.forEach((v, i) => {
      mem.store(ctxAddr + BigInt(8 * (i + 1)), 8, v);
    });
    return bpfIterProgResult(info.prog.run(ctxAddr, runContext));
  };
  const ops = reg.seq_info.open({ kernel, aux, opener }, run);
  const priv = createBpfIterPriv<IterProg, unknown>(
    prog,
    sessionId,
    null,
    (reg.feature & BPF_ITER_RESCHED) !== 0,
  );
  const seq = new SeqFile<unknown>(ops, priv, seqAddr);
  runContext.seq = seq;
  return new BpfIterFile(kind, seq, priv, kernel, [seqAddr, metaAddr, ctxAddr], state.hooks ?? {}, flags);
}
