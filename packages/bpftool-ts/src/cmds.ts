import type { Output } from './output.js';

/** What a command gets: its arguments after the command word. */
export interface CmdContext {
  args: string[];
  out: Output;
  /** The command word as typed (bpftool's argv[-1]: `p` for `iter p`). */
  word: string;
}

/** A command: returns the process exit status (bpftool returns -1 → 255, or -errno). */
export interface Cmd {
  name: string;
  run(ctx: CmdContext): number | Promise<number>;
}

/** bpftool's is_prefix(): does `word` abbreviate `full`? */
export function isPrefix(word: string, full: string): boolean {
  return word.length > 0 && full.startsWith(word);
}

/**
 * bpftool's cmd_select(): the first command in table order whose name the
 * word abbreviates. No word runs `help`.
 */
export function selectCmd(cmds: readonly Cmd[], args: string[], out: Output): number | Promise<number> {
  const [word, ...rest] = args;
  const help = cmds.find((c) => c.name === 'help');
  if (word === undefined) return help ? help.run({ args: [], out, word: 'help' }) : -1;
  const cmd = cmds.find((c) => isPrefix(word, c.name));
  if (!cmd) {
    // bpftool answers an unknown command with its usage text alone.
    if (help) help.run({ args: [], out, word: 'help' });
    return -1;
  }
  return cmd.run({ args: rest, out, word });
}

/** bpftool's REQ_ARGS(): p_err naming the typed word when fewer than `n` arguments remain. */
export function reqArgs(ctx: CmdContext, n: number): boolean {
  if (ctx.args.length >= n) return true;
  ctx.out.error(`'${ctx.word}' needs at least ${n} arguments, ${ctx.args.length} found`);
  return false;
}

/** Exit status as the shell sees it (8 bits). */
export function exitStatus(ret: number): number {
  return ret & 0xff;
}
