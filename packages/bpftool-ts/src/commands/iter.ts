import { BpfObject, setPrint } from '@tsbpf/libbpf-ts';
import type { CliContext } from '../cli.js';
import { type Cmd, reqArgs } from '../cmds.js';
import { describeErrno, errnoOf } from '../errors.js';
import { withMachine } from '../machine.js';
import { libbpfPrinter } from './libbpfPrint.js';

export const iterUsage = `Usage: bpftool-ts iter pin OBJ PATH [map MAP]
       bpftool-ts iter help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} }
`;

export function iterCmds(ctx: CliContext): Cmd[] {
  return [
    {
      name: 'pin',
      run: (c) => {
        const { args, out } = c;
        if (!reqArgs(c, 2)) {
          ctx.io.stderr(iterUsage);
          return -1;
        }
        const [objPath, path, ...rest] = args as [string, string, ...string[]];
        if (rest.length) {
          out.error('map specs are not supported yet');
          return -1;
        }
        const prev = setPrint(libbpfPrinter(ctx));
        try {
          return withMachine(ctx, (m) => {
            let obj: BpfObject;
            try {
              obj = BpfObject.openFile(objPath, { syscalls: m.sys });
            } catch (err) {
              out.error(`can't open objfile ${objPath}`);
              return -errnoOf(err);
            }
            try {
              try {
                obj.load({ syscalls: m.sys });
              } catch (err) {
                out.error(`can't load objfile ${objPath}`);
                return -errnoOf(err);
              }
              const prog = obj.programs[0];
              if (!prog) {
                out.error(`can't find bpf program in objfile ${objPath}`);
                return -1;
              }
              let link: ReturnType<typeof prog.attachIter>;
              try {
                link = prog.attachIter({});
              } catch (err) {
                out.error(`attach_iter failed for program ${prog.name}`);
                return -errnoOf(err);
              }
              try {
                link.pin(path);
              } catch (err) {
                out.error(`pin_iter failed for program ${prog.name} to path ${path}`);
                return -errnoOf(err);
              } finally {
                link.destroy();
              }
              // bpftool's do_pin writes no JSON value: `-j` prints only the writer's newline.
              return 0;
            } finally {
              obj.close();
            }
          });
        } catch (err) {
          out.error(describeErrno(err));
          return -errnoOf(err);
        } finally {
          setPrint(prev);
        }
      },
    },
    {
      name: 'help',
      run: () => {
        // bpftool's iter do_help prints the usage even with -j (no JSON null).
        ctx.io.stderr(iterUsage);
        return 0;
      },
    },
  ];
}
