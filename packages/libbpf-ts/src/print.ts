/**
 * libbpf's print callback (libbpf_set_print): every message of the library
 * goes through one replaceable function. Messages carry libbpf's "libbpf: "
 * prefix and end with a newline, as libbpf passes them.
 *
 * @see libbpf_set_print, libbpf_print_fn_t, enum libbpf_print_level
 */

export type PrintLevel = 'warn' | 'info' | 'debug';
export type PrintFn = (level: PrintLevel, message: string) => void;

const RANK: Record<PrintLevel, number> = { warn: 0, info: 1, debug: 2 };

/** The level named by LIBBPF_LOG_LEVEL (warn, info or debug, any case), `info` when unset or unknown. */
export function envLogLevel(env: Record<string, string | undefined> = process.env): PrintLevel {
  const v = env.LIBBPF_LOG_LEVEL?.toLowerCase();
  if (v === 'warn' || v === 'info' || v === 'debug') return v;
  return 'info';
}

/**
 * libbpf's default callback: writes messages up to LIBBPF_LOG_LEVEL (default
 * info) to stderr, as `__base_pr` does.
 */
export const defaultPrint: PrintFn = (level, message) => {
  if (RANK[level] > RANK[envLogLevel()]) return;
  process.stderr.write(message);
};

let current: PrintFn | null = defaultPrint;

/**
 * Replaces the print callback and returns the previous one. `null` silences
 * the library.
 * @see libbpf_set_print
 */
export function setPrint(fn: PrintFn | null): PrintFn | null {
  const prev = current;
  current = fn;
  return prev;
}

/** Formats and sends one message with libbpf's "libbpf: " prefix. */
export function libbpfPrint(level: PrintLevel, message: string): void {
  if (current === null) return;
  current(level, `libbpf: ${message.endsWith('\n') ? message : `${message}\n`}`);
}

export const prWarn = (m: string): void => libbpfPrint('warn', m);
export const prInfo = (m: string): void => libbpfPrint('info', m);
export const prDebug = (m: string): void => libbpfPrint('debug', m);
