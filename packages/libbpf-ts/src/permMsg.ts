/**
 * libbpf's hint after EPERM when running as root: the memlock rlimit may be
 * too low (kernels before memcg accounting charged BPF memory to it).
 *
 * @see pr_perm_msg (tools/lib/bpf/libbpf.c)
 */
import type { Syscalls } from '@tsbpf/uapi';
import { prWarn } from './print.js';

/**
 * Process facts libbpf consults; a Syscalls door may offer them. Without
 * them the hint is not printed.
 */
export interface ProcessFacts {
  /** @see geteuid(2) */
  geteuid?(): number;
  /** Soft RLIMIT_MEMLOCK in bytes; Infinity when unlimited. @see getrlimit(2) */
  memlockLimit?(): number;
}

/** The rlimit as libbpf prints it: "%zu bytes", "%.1f KiB" or "%.1f MiB". */
export function formatMemlock(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Prints libbpf's "permission error while running as root" hint for an EPERM (-1). */
export function prPermMsg(sys: Syscalls & ProcessFacts, err: number): void {
  if (err !== -1 || sys.geteuid?.() !== 0) return;
  const limit = sys.memlockLimit?.();
  if (limit === undefined || limit === Number.POSITIVE_INFINITY) return;
  prWarn(
    `permission error while running as root; try raising 'ulimit -l'? current value: ${formatMemlock(limit)}`,
  );
}
