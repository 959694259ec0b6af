/**
 * The verifier (and BTF) log buffer, as kernel/bpf/log.c keeps it: attribute
 * validation, rotating (default) or fixed (BPF_LOG_FIXED) truncation,
 * `log_true_size` and ENOSPC when the log did not fit.
 * @see https://github.com/torvalds/linux/blob/master/kernel/bpf/log.c
 */
import { BPF_LOG_FIXED, BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_MAX_SIZE, BPF_LOG_STATS } from '@tsbpf/uapi';

export const BPF_LOG_MASK = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED;

const enc = new TextEncoder();

export class VerifierLog {
  private chunks: Uint8Array[] = [];
  private total = 0;

  private constructor(
    readonly level: number,
    readonly ubuf: Uint8Array | undefined,
    readonly lenTotal: number,
  ) {}

  /**
   * bpf_vlog_init: returns undefined when the attributes are not sane (the
   * caller fails with EINVAL): buffer and size given together, a buffer only
   * with a level, no unknown level bits, size at most UINT_MAX >> 2.
   */
  static init(level: number, ubuf: Uint8Array | undefined, size: number): VerifierLog | undefined {
    const hasBuf = ubuf !== undefined && ubuf !== null;
    if (hasBuf !== size > 0) return undefined;
    if (hasBuf && level === 0) return undefined;
    if ((level & ~BPF_LOG_MASK) !== 0) return undefined;
    if (size > BPF_LOG_MAX_SIZE) return undefined;
    // The user buffer must really be that big, or the copy faults (EFAULT at finalize).
    return new VerifierLog(level, hasBuf ? ubuf : undefined, size);
  }

  /** bpf_verifier_log_needed */
  get needed(): boolean {
    return this.level !== 0;
  }

  /** Appends text (bpf_log / verbose). */
  write(text: string): void {
    if (!this.needed || text.length === 0) return;
    const b = enc.encode(text);
    this.chunks.push(b);
    this.total += b.length;
  }

  /** The whole log as written (not truncated). */
  text(): string {
    const all = new Uint8Array(this.total);
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.length;
    }
    return new TextDecoder().decode(all);
  }

  /**
   * bpf_vlog_finalize: copies the log into the user buffer (the head for
   * BPF_LOG_FIXED, the tail otherwise, NUL-terminated) and returns the true
   * size (length + NUL, 0 when nothing was logged) and the errno to report:
   * ENOSPC when truncated, EFAULT when the user buffer is shorter than log_size.
   */
  finalize(): { trueSize: number; errno?: 'ENOSPC' | 'EFAULT' } {
    if (!this.needed) return { trueSize: 0 };
    const trueSize = this.total === 0 ? 0 : this.total + 1;
    if (!this.ubuf || this.total === 0) return { trueSize };
    if (this.ubuf.length < this.lenTotal) return { trueSize, errno: 'EFAULT' };
    const all = enc.encode(this.text());
    const keep = Math.min(all.length, this.lenTotal - 1);
    const part = this.level & BPF_LOG_FIXED ? all.subarray(0, keep) : all.subarray(all.length - keep);
    this.ubuf.set(part, 0);
    this.ubuf[keep] = 0;
    if (trueSize > this.lenTotal) return { trueSize, errno: 'ENOSPC' };
    return { trueSize };
  }
}
