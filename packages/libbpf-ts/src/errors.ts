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
  constructor(errno: Errno, message: string, libbpfErrno?: number, options?: { syscall?: string; log?: string; cause?: unknown }) {
    super(errno, message, options);
    this.libbpfErrno = libbpfErrno;
  }
}
