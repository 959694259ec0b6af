import { ERRNO, type Errno, errnoName, strerror } from '@tsbpf/uapi';

/**
 * The errno number carried by an error: a BpfError (`code` number, `errno`
 * name), a Node system error (`code` name, `errno` negative number), or
 * anything else (EINVAL).
 */
export function errnoOf(err: unknown): number {
  const e = err as { code?: unknown; errno?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.errno === 'string' && e.errno in ERRNO) return ERRNO[e.errno as Errno];
  if (typeof e?.code === 'string' && e.code in ERRNO) return ERRNO[e.code as Errno];
  if (typeof e?.errno === 'number') return Math.abs(e.errno);
  return ERRNO.EINVAL;
}

/** strerror() of whatever error this is. */
export function describeErrno(err: unknown): string {
  return strerror(errnoOf(err));
}

export { errnoName };
