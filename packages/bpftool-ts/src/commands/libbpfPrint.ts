import type { CliContext } from '../cli.js';

/** bpftool's print_all_levels: libbpf warnings always, debug lines with -d. */
export function libbpfPrinter(ctx: CliContext) {
  return (level: 'warn' | 'info' | 'debug', msg: string) => {
    if (level === 'debug' && !ctx.options.debug) return;
    ctx.io.stderr(msg);
  };
}
