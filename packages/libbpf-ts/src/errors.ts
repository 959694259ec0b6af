import { BpfError, type Errno } from '@tsbpf/uapi';

/**
 * A libbpf-level failure: the errno libbpf would return (negated in C),
 * libbpf's message, and, for LIBBPF_ERRNO__* cases, that code.
 * Program load failures carry the verifier log in `log`.
 */
export class LibbpfError extends BpfError {
  override name = 'LibbpfError';
  /** libbpf's own error code (e.g. -4005 LIBBPF_ERRNO__RELOC), when it used one. */
  readonly libbpfErrno: number | undefined;
  constructor(
    errno: Errno,
    message: string,
    libbpfErrno?: number,
    options?: { syscall?: string; log?: string; cause?: unknown },
  ) {
    super(errno, message, options);
    this.libbpfErrno = libbpfErrno;
  }
}

/**
 * A program the verifier (or the kernel) rejected at BPF_PROG_LOAD. The
 * message is libbpf's ("prog 'x': BPF program load failed: Permission
 * denied"); `logLines` holds the verifier log and `summary` its last
 * relevant line with how many lines were left out (cilium's VerifierError).
 */
export class VerifierError extends LibbpfError {
  override name = 'VerifierError';
  readonly progName: string;
  constructor(errno: Errno, message: string, progName: string, log: string, cause?: unknown) {
    super(errno, message, undefined, { syscall: 'BPF_PROG_LOAD', log, cause });
    this.progName = progName;
  }

  /** The verifier log split into lines (no trailing empty line). */
  get logLines(): string[] {
    const lines = (this.log ?? '').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  }

  /** The last line that explains the rejection, e.g. "R2 invalid mem access 'trusted_ptr_or_null_' (5 line(s) omitted)". */
  get summary(): string {
    const lines = this.logLines;
    // Skip the statistics the verifier prints after the error.
    let i = lines.length - 1;
    while (
      i >= 0 &&
      /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|\s*$)/.test(lines[i]!)
    )
      i--;
    if (i < 0) return this.message;
    const omitted = lines.length - 1;
    return omitted > 0 ? `${lines[i]} (${omitted} line(s) omitted)` : lines[i]!;
  }
}
