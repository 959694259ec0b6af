import type { Output } from './output.js';

/** What a command gets: its arguments after the command word. */
export interface CmdContext {
  args: string[];
  out: Output;
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
  if (word === undefined) return help ? help.run({ args: [], out }) : -1;
  const cmd = cmds.find((c) => isPrefix(word, c.name));
  if (!cmd) {
    // bpftool answers an unknown command with its usage text alone.
    if (help) help.run({ args: [], out });
    return -1;
  }
  return cmd.run({ args: rest, out });
}

/** Exit status as the shell sees it (8 bits). */
export function exitStatus(ret: number): number {
  return ret & 0xff;
}
