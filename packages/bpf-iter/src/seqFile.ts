/**
 * The seq_file buffer of an iterator session, with the overflow semantics of
 * fs/seq_file.c: a write that would make the fill count reach the buffer size
 * fails, marks the buffer full (count = size) and keeps nothing partial;
 * every later write of the same fill then fails too, until `bpf_seq_read`
 * rolls the count back.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/fs/seq_file.c (seq_write, seq_vprintf)
 */

export const PAGE_SIZE = 4096;
/** Buffer size of a bpf iterator seq_file (current kernels: 8 pages). */
export const BPF_ITER_SEQ_BUF_SIZE = 8 * PAGE_SIZE;

/** The seq operations a target provides (struct seq_operations). */
export interface SeqOperations<T = unknown> {
  /** First object at `seq.index`, null at the end, or a SeqErr. */
  start(seq: SeqFile<T>): T | null | SeqErr;
  /** Object after `v`; must advance `seq.index`. */
  next(seq: SeqFile<T>, v: T): T | null | SeqErr;
  /** 0 = shown, > 0 = skip this object, < 0 = -errno. */
  show(seq: SeqFile<T>, v: T): number;
  /** End of a fill; `v` is null when the walk ended (bpf targets run the final call then). */
  stop(seq: SeqFile<T>, v: T | SeqErr | null): void;
}

/** An error pointer (ERR_PTR(-errno)) returned by start/next. */
export class SeqErr {
  constructor(
    /** Negative errno. */
    readonly err: number,
  ) {}
}

export function isSeqErr(v: unknown): v is SeqErr {
  return v instanceof SeqErr;
}

/** struct seq_file, as far as the iterator core uses it. */
export class SeqFile<T = unknown> {
  /** Allocated lazily by the first read. */
  buf: Uint8Array | undefined;
  size = 0;
  /** Bytes buffered (or `size` after an overflow). */
  count = 0;
  /** Read offset into the buffered bytes. */
  from = 0;
  /** seq position (`m->index`), advanced by the target's next(). */
  index = 0;
  /** File position (bytes handed out). */
  pos = 0;
  /** Times the core had to bump `index` because next() forgot ("buggy seq_file .next"). */
  buggyNextCount = 0;

  constructor(
    readonly op: SeqOperations<T>,
    /** The per-open private state (for bpf iterators: the BpfIterPriv). */
    public priv: unknown = undefined,
    /** Kernel address of this seq_file (what `ctx->meta->seq` holds). */
    public kaddr = 0n,
  ) {}

  /** seq_has_overflowed(). */
  hasOverflowed(): boolean {
    return this.count === this.size;
  }

  /** seq_set_overflow(). */
  setOverflow(): void {
    this.count = this.size;
  }

  /** Room left for one write (fits means count + len < size). */
  room(): number {
    return this.size - this.count;
  }

  /**
   * seq_write(): appends all of `data` or nothing. Returns 0, or -1 after
   * marking the buffer overflowed.
   */
  write(data: Uint8Array): number {
    const buf = this.buf;
    if (buf && this.count + data.length < this.size) {
      buf.set(data, this.count);
      this.count += data.length;
      return 0;
    }
    this.setOverflow();
    return -1;
  }

  /**
   * The append step of seq_vprintf()/seq_bprintf(): `format(limit)` produces
   * the formatted text; it may stop early once the text reaches `limit` bytes
   * (the text cannot fit then anyway). Appends when count + len < size,
   * otherwise marks the overflow.
   */
  printf(format: (limit: number) => Uint8Array): void {
    const buf = this.buf;
    if (buf && this.count < this.size) {
      const text = format(this.size - this.count);
      if (this.count + text.length < this.size) {
        buf.set(text, this.count);
        this.count += text.length;
        return;
      }
    }
    this.setOverflow();
  }

  /** The bytes buffered now (a copy), for diagnostics and tests. */
  buffered(): Uint8Array {
    return this.buf ? this.buf.slice(this.from, this.from + this.count) : new Uint8Array(0);
  }
}
