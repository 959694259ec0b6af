import { parseElf } from '@tsbpf/bpf-vm';
import { type Btf, dumpC, dumpJson, dumpRaw, parseBtf } from '@tsbpf/btf';
import { ERRNO, strerror } from '@tsbpf/uapi';
import type { CliContext } from '../cli.js';
import { type Cmd, reqArgs } from '../cmds.js';
import { errnoOf } from '../errors.js';
import { readMachineOrHostFile } from '../machine.js';

const BTF_MAGIC = 0xeb9f;

export const btfUsage = `Usage: bpftool-ts btf dump BTF_SRC [format FORMAT]
       bpftool-ts btf help

       BTF_SRC := { file FILE }
       FORMAT  := { raw | c }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-B|--base-btf} }
`;

/** libbpf's LIBBPF_ERRNO__FORMAT: "failed to get EHDR" (strerror gives "Unknown error 4001"). */
const LIBBPF_ERRNO__FORMAT = 4001;

/** A BTF load failure with the errno bpftool reports (positive). */
class BtfSourceError extends Error {
  constructor(readonly errno: number) {
    super(strerror(errno));
  }
}

/**
 * The .BTF bytes of a raw BTF file or an ELF object, as libbpf's btf__parse
 * finds them: raw BTF by its magic; a file too short for the magic is EIO;
 * otherwise an ELF object ("failed to get EHDR" when it is not one) whose
 * .BTF section must exist (ENOENT).
 */
export function btfBytesOf(data: Uint8Array, path = '', warn: (msg: string) => void = () => {}): Uint8Array {
  if (data.length < 2) throw new BtfSourceError(ERRNO.EIO);
  if ((data[0]! | (data[1]! << 8)) === BTF_MAGIC) return data;
  if (((data[0]! << 8) | data[1]!) === BTF_MAGIC) return data;
  let elf: ReturnType<typeof parseElf>;
  try {
    elf = parseElf(data);
  } catch {
    warn(`libbpf: failed to get EHDR from ${path}\n`);
    throw new BtfSourceError(LIBBPF_ERRNO__FORMAT);
  }
  const sec = elf.sections.find((s) => s.name === '.BTF');
  if (!sec) throw new BtfSourceError(ERRNO.ENOENT);
  return sec.data;
}

/** Reads a BTF source file; a directory reads as EIO, as libbpf's fread of it fails. */
function readSource(ctx: CliContext, file: string): Uint8Array {
  try {
    return readMachineOrHostFile(ctx, file);
  } catch (err) {
    const code = errnoOf(err);
    throw new BtfSourceError(code === ERRNO.EISDIR ? ERRNO.EIO : code);
  }
}

function loadBtf(ctx: CliContext, file: string): Btf {
  const warn = (msg: string) => ctx.io.stderr(msg);
  const base = ctx.options.baseBtf
    ? parseBtf(btfBytesOf(readSource(ctx, ctx.options.baseBtf), ctx.options.baseBtf, warn))
    : undefined;
  const bytes = btfBytesOf(readSource(ctx, file), file, warn);
  try {
    return parseBtf(bytes, base ? { base } : {});
  } catch {
    throw new BtfSourceError(ERRNO.EINVAL);
  }
}

export function btfCmds(ctx: CliContext): Cmd[] {
  const usage = () => {
    if (ctx.options.json) ctx.out.value(null);
    else ctx.io.stderr(btfUsage);
    return 0;
  };
  return [
    {
      name: 'dump',
      run: (c) => {
        const { out } = c;
        if (!reqArgs(c, 2)) {
          usage();
          return -1;
        }
        const [src, file, ...rest] = c.args as [string, string, ...string[]];
        if (src !== 'file') {
          out.error(`unrecognized BTF source specifier: '${src}'`);
          return -1;
        }
        let format: 'raw' | 'c' = 'raw';
        while (rest.length) {
          const kw = rest.shift()!;
          if (kw === 'format') {
            const f = rest.shift();
            // Exact words: bpftool compares the format with strcmp.
            if (f === 'c' || f === 'raw') format = f;
            else {
              out.error(`unrecognized format specifier: '${f ?? ''}', possible values: raw, c`);
              return -ERRNO.EINVAL;
            }
          } else {
            out.error(`unrecognized option: '${kw}'`);
            return -ERRNO.EINVAL;
          }
        }
        let btf: Btf;
        try {
          btf = loadBtf(ctx, file);
        } catch (err) {
          const errno = err instanceof BtfSourceError ? err.errno : errnoOf(err);
          out.error(`failed to load BTF from ${file}: ${strerror(errno)}`);
          return -errno;
        }
        if (format === 'c') {
          if (ctx.options.json) {
            out.error('JSON output for C-syntax dump is not supported');
            return -ERRNO.EOPNOTSUPP;
          }
          ctx.io.stdout(dumpC(btf));
        } else if (ctx.options.json) out.rawJson(dumpJson(btf).trimEnd());
        else ctx.io.stdout(dumpRaw(btf));
        return 0;
      },
    },
    {
      name: 'help',
      run: () => {
        return usage();
      },
    },
  ];
}
