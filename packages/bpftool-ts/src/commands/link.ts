import type { CliContext } from '../cli.js';
import type { Cmd } from '../cmds.js';

export const linkUsage = `Usage: bpftool-ts link help

       Links are shown through /proc/<pid>/fdinfo with 'bpftool-ts cat'.
`;

export function linkCmds(ctx: CliContext): Cmd[] {
  return [
    {
      name: 'help',
      run: () => {
        if (ctx.options.json) ctx.out.value(null);
        else ctx.io.stderr(linkUsage);
        return 0;
      },
    },
  ];
}
