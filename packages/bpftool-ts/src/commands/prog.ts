import { BpfObject, setPrint } from '@tsbpf/libbpf-ts';
import type { CliContext } from '../cli.js';
import { type Cmd, reqArgs } from '../cmds.js';
import { errnoOf } from '../errors.js';
import { withMachine } from '../machine.js';
import { libbpfPrinter } from './libbpfPrint.js';

export const progUsage = `Usage: bpftool-ts prog load OBJ PATH
       bpftool-ts prog help

       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} }
`;

export function progCmds(ctx: CliContext): Cmd[] {
  return [
    {
      name: 'load',
      run: (c) => {
        const { args, out } = c;
        if (!reqArgs(c, 2)) return -1;
        const [objPath, path] = args as [string, string];
        const prev = setPrint(libbpfPrinter(ctx));
        try {
          return withMachine(ctx, (m) => {
            let obj: BpfObject;
            try {
              obj = BpfObject.openFile(objPath, { syscalls: m.sys });
            } catch {
              out.error('failed to open object file');
              return -1;
            }
            try {
              try {
                obj.load({ syscalls: m.sys, logLevel: ctx.options.debug ? 1 : 0 });
              } catch {
                out.error('failed to load object file');
                return -1;
              }
              const prog = obj.programs[0];
              if (!prog) {
                out.error("object file doesn't contain any bpf program");
                return -1;
              }
              try {
                prog.pin(path);
              } catch (err) {
                out.error(`failed to pin program ${prog.name}`);
                return -errnoOf(err);
              }
              if (ctx.options.json) out.value(null);
              return 0;
            } finally {
              obj.close();
            }
          });
        } finally {
          setPrint(prev);
        }
      },
    },
    {
      name: 'help',
      run: () => {
        if (ctx.options.json) ctx.out.value(null);
        else ctx.io.stderr(progUsage);
        return 0;
      },
    },
  ];
}
