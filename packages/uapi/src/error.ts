import type { BpfCmdName } from './attr.js';
import { ERRNO, type Errno, strerror } from './errno.js';

/**
 * A failed system call: the semantic name and the number (cilium's
 * `sys.Error`, aya's `SyscallError`). Every failure below the syscall
 * boundary is one of these.
 */
export class BpfError extends Error {
  override name = 'BpfError';
  readonly errno: Errno;
  readonly code: number;
  readonly syscall: BpfCmdName | string | undefined;
  /** The verifier log (or BTF log) the kernel wrote, where there is one. */
  readonly log: string | undefined;

  constructor(errno: Errno, message?: string, options?: { syscall?: string; log?: string; cause?: unknown }) {
    super(
      message ?? strerror(ERRNO[errno]),
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.errno = errno;
    this.code = ERRNO[errno];
    this.syscall = options?.syscall;
    this.log = options?.log;
  }
}

/** True when `err` is a BpfError (or anything carrying an `errno` name) with that errno. */
export function isErrno(err: unknown, errno: Errno): boolean {
  return typeof err === 'object' && err !== null && (err as { errno?: unknown }).errno === errno;
}
