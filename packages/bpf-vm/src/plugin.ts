/**
 * The `bpf-conformance-plugin` command: runs one program the way the
 * official bpf_conformance runner expects of a plugin
 * (../shared/conformance/README.md, "Plugin protocol").
 *
 *   bpf-conformance-plugin [<memory hex>] [--engine jit|interp] [--elf]
 *                          [--program <hex>] [--budget <n>]
 *
 * The program comes on stdin (or `--program`) as hex bytes, two digits per
 * byte, separated by any whitespace; with `--elf` those bytes are an ELF
 * object whose `main` function is run. The input memory, when given, is
 * mapped writable; r1 holds its address and r2 its length. On success the
 * final r0 is printed as `0x%016x` and the exit status is 0; a fault or a
 * malformed input prints a message on stderr and exits 1; bad usage exits 2.
 *
 * This module does no I/O: `runPlugin` takes the arguments and stdin and
 * returns what to print, so tests can drive it in-process.
 */

import { type ElfFile, parseElf, SHF_EXECINSTR, STT_FUNC } from './elf.js';
import type { Executable, HelperTable } from './engine.js';
import { VmFault } from './engine.js';
import { decodeInsns, type Insn } from './insn.js';
import { prepare } from './interp.js';
import { AddressSpace, Region } from './memory.js';

/** What the command prints and its exit status. */
export interface PluginResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface PluginOptions {
  engine: 'jit' | 'interp';
  elf: boolean;
  /** Input memory bytes (empty when the test has none). */
  memory: Uint8Array;
  /** `--program` text, when given instead of stdin. */
  program: string | undefined;
  /** Instruction budget: an unverified program that loops forever must not hang the runner. */
  budget: number;
}

/** Where the input memory is mapped (any non-zero user-looking address works). */
export const PLUGIN_MEMORY_BASE = 0x10000000n;
/** Default instruction budget of one run. */
export const PLUGIN_DEFAULT_BUDGET = 100_000_000;

export const PLUGIN_USAGE =
  'usage: bpf-conformance-plugin [<memory hex>] [--engine jit|interp] [--elf] [--program <hex>] [--budget <n>]\n' +
  '  program bytes on stdin unless --program is given; prints r0 in hex\n';

/** Bad command line (exit status 2). */
export class PluginUsageError extends Error {
  override name = 'PluginUsageError';
}

/** Bad input: hex text, ELF object or instruction stream (exit status 1). */
export class PluginInputError extends Error {
  override name = 'PluginInputError';
}

/**
 * Parses the runner's hex text: two hex digits per byte, pieces separated by
 * whitespace (the runner writes `00  01  `); a run of digits without spaces
 * is accepted too.
 */
export function parseHexBytes(text: string, what: string): Uint8Array {
  const pieces = text.split(/\s+/).filter((p) => p.length > 0);
  const digits = pieces.join('');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    const bad = pieces.find((p) => p.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(p));
    throw new PluginInputError(
      `${what}: not hex bytes${bad !== undefined ? ` (at '${bad.slice(0, 16)}')` : ''}`,
    );
  }
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

/** Parses the plugin's command line (the arguments after the executable). */
export function parsePluginArgs(args: readonly string[]): PluginOptions {
  const opts: PluginOptions = {
    engine: 'jit',
    elf: false,
    memory: new Uint8Array(0),
    program: undefined,
    budget: PLUGIN_DEFAULT_BUDGET,
  };
  let i = 0;
  // Both reference plugins take a first argument not starting with `--` as the memory.
  if (args.length > 0 && !args[0]!.startsWith('--')) {
    opts.memory = parseHexBytes(args[0]!, 'memory');
    i = 1;
  }
  const value = (name: string): string => {
    const v = args[++i];
    if (v === undefined) throw new PluginUsageError(`${name} needs a value`);
    return v;
  };
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '') continue; // two spaces in --plugin_options give empty arguments
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    switch (name) {
      case '--engine': {
        const e = inline ?? value(name);
        if (e !== 'jit' && e !== 'interp')
          throw new PluginUsageError(`--engine must be jit or interp, not '${e}'`);
        opts.engine = e;
        break;
      }
      case '--jit': // uBPF plugin spellings
        opts.engine = 'jit';
        break;
      case '--interpret':
        opts.engine = 'interp';
        break;
      case '--elf':
        opts.elf = true;
        break;
      case '--program':
        opts.program = inline ?? value(name);
        break;
      case '--budget': {
        const b = inline ?? value(name);
        if (!/^\d+$/.test(b) || Number(b) < 1)
          throw new PluginUsageError(`--budget must be a positive integer, not '${b}'`);
        opts.budget = Number(b);
        break;
      }
      default:
        throw new PluginUsageError(`unknown argument '${a}'`);
    }
  }
  return opts;
}

/**
 * The instructions of an ELF object's entry function: the `main` function
 * symbol when there is one, else the whole first executable section.
 */
export function programFromElf(bytes: Uint8Array): Insn[] {
  let elf: ElfFile;
  try {
    elf = parseElf(bytes);
  } catch (e) {
    throw new PluginInputError(`ELF object: ${(e as Error).message}`);
  }
  const main = elf.symbols.find((s) => s.name === 'main' && s.type === STT_FUNC);
  const section = main
    ? elf.sections[main.shndx]
    : elf.sections.find((s) => s.flags & SHF_EXECINSTR && s.size > 0);
  if (!section) throw new PluginInputError('ELF object: no main function and no executable section');
  if (elf.relocationsFor(section.index).length > 0) {
    throw new PluginInputError(
      `ELF object: section ${section.name} has relocations, which the plugin cannot apply`,
    );
  }
  let code = section.data;
  if (main) {
    const start = Number(main.value);
    const size = main.size > 0n ? Number(main.size) : code.length - start;
    if (start + size > code.length) throw new PluginInputError('ELF object: main lies outside its section');
    code = code.subarray(start, start + size);
  }
  return decodeInsns(code, { checkLdImm64: true });
}

/**
 * Helper id 5, the only one the suite calls: it returns its first argument
 * (uBPF's "unwind" test helper; the callers overwrite r0 afterwards).
 */
export const pluginHelpers: HelperTable = new Map([[5, (_env, r1) => r1]]);

function format(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Runs the plugin: `args` are the arguments after the executable, `stdin` what the runner wrote. */
export function runPlugin(
  args: readonly string[],
  stdin: string | Uint8Array | (() => string | Uint8Array),
): PluginResult {
  let opts: PluginOptions;
  try {
    opts = parsePluginArgs(args);
  } catch (e) {
    return { stdout: '', stderr: `bpf-conformance-plugin: ${format(e)}\n${PLUGIN_USAGE}`, exitCode: 2 };
  }
  let exe: Executable;
  try {
    const text =
      opts.program ??
      (() => {
        const s = typeof stdin === 'function' ? stdin() : stdin;
        return typeof s === 'string' ? s : Buffer.from(s).toString('latin1');
      })();
    const bytes = parseHexBytes(text, 'program');
    if (bytes.length === 0) throw new PluginInputError('program: empty');
    const insns = opts.elf ? programFromElf(bytes) : decodeInsns(bytes, { checkLdImm64: true });
    exe = prepare(insns, { engine: opts.engine, helpers: pluginHelpers, budget: opts.budget });
  } catch (e) {
    return { stdout: '', stderr: `${format(e)}\n`, exitCode: 1 };
  }
  const memory = new AddressSpace();
  const data = opts.memory.slice();
  if (data.length) memory.map(new Region('memory', PLUGIN_MEMORY_BASE, data));
  try {
    const r0 = exe.run({ memory, args: data.length ? [PLUGIN_MEMORY_BASE, BigInt(data.length)] : [0n, 0n] });
    return { stdout: `0x${r0.toString(16).padStart(16, '0')}\n`, stderr: '', exitCode: 0 };
  } catch (e) {
    if (e instanceof VmFault) return { stdout: '', stderr: `${e.message}\n`, exitCode: 1 };
    throw e;
  }
}
