/**
 * The kernel's verifier log (kernel/bpf/log.c) as BPF_BTF_LOAD and
 * BPF_PROG_LOAD fill it: each message is formatted into a 1024-byte buffer,
 * the user buffer keeps the tail of the log (rotating mode) or its head
 * (BPF_LOG_FIXED), and a log that did not fit makes the call fail with ENOSPC.
 */

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
export const BPF_LOG_FIXED = 8;
export const BPF_LOG_MASK = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED;
/** BPF_VERIFIER_TMP_LOG_SIZE: one message is cut to 1023 characters. */
const TMP_LOG_SIZE = 1024;

export class VerifierLog {
  private readonly parts: string[] = [];
  private total = 0;

  /**
   * @param level log_level as passed by user space
   * @param size log_size, the user buffer size (0: no buffer)
   */
  constructor(
    readonly level: number,
    readonly size: number,
  ) {}

  /** bpf_vlog_init's sanity check of the log attributes. */
  static attrValid(level: number, size: number, hasBuf = size > 0): boolean {
    if (hasBuf !== size > 0) return false;
    if (hasBuf && level === 0) return false;
    if (level & ~BPF_LOG_MASK) return false;
    if (size > 0xffffffff >>> 2) return false;
    return true;
  }

  /** bpf_verifier_log_needed */
  get needed(): boolean {
    return this.level !== 0;
  }

  /** One bpf_verifier_vlog call. */
  write(s: string): void {
    if (!this.needed) return;
    const msg = s.length > TMP_LOG_SIZE - 1 ? s.slice(0, TMP_LOG_SIZE - 1) : s;
    this.parts.push(msg);
    this.total += msg.length;
  }

  /** The whole log, as if the buffer were unlimited. */
  get full(): string {
    return this.parts.join('');
  }

  /** log_true_size: the buffer size the whole log needs (with its NUL). */
  get trueSize(): number {
    return this.needed ? this.total + 1 : 0;
  }

  /** The text left in the user buffer (without the NUL). */
  get text(): string {
    if (!this.needed || this.size === 0) return '';
    const full = this.full;
    if (full.length + 1 <= this.size) return full;
    return this.level & BPF_LOG_FIXED
      ? full.slice(0, this.size - 1)
      : full.slice(full.length - (this.size - 1));
  }

  /** bpf_vlog_finalize: ENOSPC when the log did not fit in the user buffer. */
  get truncated(): boolean {
    return this.needed && this.size > 0 && this.trueSize > this.size;
  }
}
