import { parseElf } from '@tsbpf/bpf-vm';
import { type Btf, dumpC, dumpJson, dumpRaw, parseBtf } from '@tsbpf/btf';
import { strerror } from '@tsbpf/uapi';
import type { CliContext } from '../cli.js';
import type { Cmd } from '../cmds.js';
import { readMachineOrHostFile } from '../machine.js';

const BTF_MAGIC = 0xeb9f;

export const btfUsage = `Usage: bpftool-ts btf dump BTF_SRC [format FORMAT]
       bpftool-ts btf help

       BTF_SRC := { file FILE }
       FORMAT  := { raw | c }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-B|--base-btf} }
`;

/** The .BTF bytes of a raw BTF file or an ELF object. */
export function btfBytesOf(data: Uint8Array): Uint8Array {
  if (data.length >= 2 && (data[0]! | (data[1]! << 8)) === BTF_MAGIC) return data;
  if (data.length >= 2 && ((data[0]! << 8) | data[1]!) === BTF_MAGIC) return data;
  const elf = parseElf(data);
  const sec = elf.sections.find((s) => s.name === '.BTF');
  if (!sec) throw Object.assign(new Error('no .BTF section'), { errno: 2 });
  return sec.data;
}

function loadBtf(ctx: CliContext, file: string): Btf {
  const base = ctx.options.baseBtf
    ? parseBtf(btfBytesOf(readMachineOrHostFile(ctx, ctx.options.baseBtf)))
    : undefined;
  const data = readMachineOrHostFile(ctx, file);
  return parseBtf(btfBytesOf(data), base ? { base } : {});
}

export function btfCmds(ctx: CliContext): Cmd[] {
  return [
    {
      name: 'dump',
      run: ({ args, out }) => {
        if (args.length < 2) {
          out.error(`'dump' needs at least 2 arguments, ${args.length} found`);
          return -1;
        }
        const [src, file, ...rest] = args as [string, string, ...string[]];
        if (src !== 'file') {
          out.error(`unrecognized BTF source specifier: '${src}'`);
          return -1;
        }
        let format: 'raw' | 'c' = 'raw';
        while (rest.length) {
          const kw = rest.shift()!;
          if (kw === 'format') {
            const f = rest.shift();
            if (f === 'c' || f === 'raw') format = f;
            else {
              out.error(`unrecognized format specifier: '${f ?? ''}', possible values: raw, c`);
              return -1;
            }
          } else {
            out.error(`unrecognized option: '${kw}'`);
            return -1;
          }
        }
        let btf: Btf;
        try {
          btf = loadBtf(ctx, file);
        } catch (err) {
          const e = err as { errno?: number | string; code?: string | number; message: string };
          const errno = typeof e.code === 'number' ? e.code : typeof e.errno === 'number' ? e.errno : 22;
          out.error(`failed to load BTF from ${file}: ${hostStrerror(e) ?? strerror(errno)}`);
          return -errno;
        }
        if (format === 'c') {
          if (ctx.options.json) {
            out.error('JSON output for C-syntax dump is not supported');
            return -1;
          }
          ctx.io.stdout(dumpC(btf));
        } else if (ctx.options.json) out.value(dumpJson(btf));
        else ctx.io.stdout(dumpRaw(btf));
        return 0;
      },
    },
    {
      name: 'help',
      run: () => {
        if (ctx.options.json) ctx.io.stdout('null\n');
        else ctx.io.stderr(btfUsage);
        return 0;
      },
    },
  ];
}

function hostStrerror(e: { code?: string | number }): string | undefined {
  if (e.code === 'ENOENT') return strerror(2);
  if (e.code === 'EACCES') return strerror(13);
  if (e.code === 'EISDIR') return strerror(21);
  return undefined;
}
