/**
 * The verifier's log text as it is written (bpf_verifier_log in
 * kernel/bpf/log.c, before the user-buffer truncation kernel-sim applies).
 * Kept as chunks so that a program processed up to the 1M instruction limit
 * logs in linear time; `length` is the byte position the kernel's
 * `prev_log_pos` bookkeeping compares.
 */
export class LogBuffer {
  private chunks: string[] = [];
  private len = 0;

  constructor(readonly enabled: boolean) {}

  get length(): number {
    return this.len;
  }

  write(s: string): void {
    if (!this.enabled || s.length === 0) return;
    this.chunks.push(s);
    this.len += s.length;
  }

  /** Drops the last character (the newline after an instruction, to append "; state"). */
  dropLastChar(): void {
    const last = this.chunks.pop();
    if (last === undefined) return;
    this.len -= 1;
    if (last.length > 1) this.chunks.push(last.slice(0, -1));
  }

  toString(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }
}

/** vlog_alignment: where "; state" starts after an instruction line of `pos` bytes. */
export function vlogAlignment(pos: number): number {
  return Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
}
