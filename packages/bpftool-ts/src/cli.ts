import { type Cmd, exitStatus, isPrefix, selectCmd } from './cmds.js';
import { btfCmds } from './commands/btf.js';
import { catCmd, rmCmd } from './commands/files.js';
import { iterCmds } from './commands/iter.js';
import { linkCmds } from './commands/link.js';
import { progCmds } from './commands/prog.js';
import type { CliIo } from './io.js';
import { type MachineOptions, openMachine } from './machine.js';
import { Output } from './output.js';

export const VERSION = '0.1.0';

/** Global options, as bpftool's getopt_long table plus --state-dir. */
export interface GlobalOptions {
  json: boolean;
  pretty: boolean;
  debug: boolean;
  stateDir: string | undefined;
  baseBtf: string | undefined;
}

/** Everything a command may use beyond its arguments. */
export interface CliContext {
  io: CliIo;
  options: GlobalOptions;
  out: Output;
  machine: MachineOptions;
}

type ObjectCmd = (ctx: CliContext, args: string[]) => number | Promise<number>;

const objects: [string, ObjectCmd][] = [
  ['prog', (c, a) => selectCmd(progCmds(c), a, c.out)],
  ['link', (c, a) => selectCmd(linkCmds(c), a, c.out)],
  ['btf', (c, a) => selectCmd(btfCmds(c), a, c.out)],
  ['iter', (c, a) => selectCmd(iterCmds(c), a, c.out)],
  ['cat', (c, a) => catCmd(c, a)],
  ['rm', (c, a) => rmCmd(c, a)],
  ['version', (c) => printVersion(c)],
  ['help', (c) => usage(c)],
];

export function usage(ctx: CliContext): number {
  if (ctx.options.json) {
    ctx.out.value(null);
    return 0;
  }
  ctx.io.stderr(
    `Usage: bpftool-ts [OPTIONS] OBJECT { COMMAND | help }
       bpftool-ts version

       OBJECT := { prog | link | btf | iter | cat | rm }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-V|--version} |
                    {-B|--base-btf} | --state-dir DIR }

The machine is simulated: its state is kept in --state-dir, $TSBPF_STATE_DIR,
or ~/.local/state/tsbpf. Paths under /sys and /proc are the simulated
machine's; object files are read from the host.
`,
  );
  return 0;
}

function printVersion(ctx: CliContext): number {
  if (ctx.options.json) ctx.out.value({ version: VERSION, libbpf_version: '1.1', features: {} });
  else ctx.io.stdout(`bpftool-ts v${VERSION}\nusing libbpf-ts v${VERSION}\nfeatures:\n`);
  return 0;
}

const OPTIONS_WITH_ARG = new Set(['-B', '--base-btf', '--state-dir']);

/** Parses global options (before the object word, as getopt_long with '+'). */
export function parseGlobalOptions(argv: string[]): {
  options: GlobalOptions;
  rest: string[];
  error?: string;
} {
  const options: GlobalOptions = {
    json: false,
    pretty: false,
    debug: false,
    stateDir: undefined,
    baseBtf: undefined,
  };
  let i = 0;
  for (; i < argv.length; i++) {
    let arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '--') {
      i++;
      break;
    }
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (OPTIONS_WITH_ARG.has(arg) && value === undefined) {
      value = argv[++i];
      if (value === undefined) return { options, rest: [], error: `unrecognized option '${arg}'` };
    }
    switch (arg) {
      case '-j':
      case '--json':
        options.json = true;
        break;
      case '-p':
      case '--pretty':
        options.json = true;
        options.pretty = true;
        break;
      case '-d':
      case '--debug':
        options.debug = true;
        break;
      case '-V':
      case '--version':
        return { options, rest: ['version'] };
      case '-h':
      case '--help':
        return { options, rest: ['help'] };
      case '-B':
      case '--base-btf':
        options.baseBtf = value;
        break;
      case '--state-dir':
        options.stateDir = value;
        break;
      default:
        // Combined short flags (-jd), taken one by one as getopt does: flags
        // before an unknown letter still apply (`-jx` reports in JSON).
        if (/^-[^-]/.test(arg)) {
          for (const f of arg.slice(1)) {
            if (f === 'j') options.json = true;
            else if (f === 'p') options.json = options.pretty = true;
            else if (f === 'd') options.debug = true;
            else if (f === 'V') return { options, rest: ['version'] };
            else if (f === 'h') return { options, rest: ['help'] };
            else return { options, rest: [], error: `unrecognized option '${arg}'` };
          }
          break;
        }
        return { options, rest: [], error: `unrecognized option '${arg}'` };
    }
  }
  return { options, rest: argv.slice(i) };
}

/** Runs one bpftool-ts invocation; returns the exit status (0..255). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseGlobalOptions(argv);
  const out = new Output(io, parsed.options.json, parsed.options.pretty);
  const ctx: CliContext = {
    io,
    options: parsed.options,
    out,
    machine: { stateDir: parsed.options.stateDir, env: io.env },
  };
  const status = await dispatch(ctx, parsed);
  out.finish();
  return status;
}

async function dispatch(ctx: CliContext, parsed: ReturnType<typeof parseGlobalOptions>): Promise<number> {
  if (parsed.error) {
    // bpftool: p_err, then the usage text (plain mode only).
    ctx.out.error(parsed.error);
    if (!ctx.options.json) usage(ctx);
    return 255;
  }
  const [word, ...rest] = parsed.rest;
  // No object word: bpftool runs its first command, help, and exits 0.
  if (word === undefined) return usage(ctx);
  const entry = objects.find(([name]) => isPrefix(word, name));
  if (!entry) {
    usage(ctx);
    return 255;
  }
  try {
    return exitStatus(await entry[1](ctx, rest));
  } catch (err) {
    // Invariant failures in our own code: report, never a silent success.
    ctx.out.error((err as Error).message);
    return 255;
  }
}

export type { Cmd };
export { openMachine };
