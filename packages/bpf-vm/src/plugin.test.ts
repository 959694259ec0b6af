import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assemble } from './asm.js';
import { encodeInsns } from './insn.js';
import { type PluginResult, parseHexBytes, parsePluginArgs, runPlugin } from './plugin.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.resolve(here, '..');
const repoRoot = path.resolve(pkgDir, '../..');
const corpusDir = path.resolve(repoRoot, '../shared/conformance');
const haveCorpus =
  fs.existsSync(path.join(corpusDir, 'tests.json')) && fs.existsSync(path.join(corpusDir, 'tests_elf.json'));

interface Test {
  name: string;
  program: string;
  memory: string;
  result: string | null;
  error: string | null;
}

/** The runner's byte text: two hex digits and two spaces per byte. */
const runnerHex = (hex: string) => (hex.match(/../g) ?? []).map((b) => `${b}  `).join('');

/** The runner's reading of stdout: C strtoull(text, 16) of the first line. */
function strtoull16(stdout: string): bigint | undefined {
  const m = /^\s*[+]?(?:0[xX])?([0-9a-fA-F]+)/.exec(stdout.replace(/\n$/, '').split('\n')[0] ?? '');
  if (!m) return undefined;
  const v = BigInt(`0x${m[1]}`);
  return v < 1n << 64n ? v : undefined;
}

/** Judges one result exactly as the README's protocol section says. */
function judge(t: Test, r: PluginResult): 'PASS' | 'FAIL' | 'ERROR' {
  if (r.exitCode !== 0) {
    const text = (r.stdout || r.stderr).replace(/\n$/, '').split('\r')[0]!.trimEnd();
    if (t.error === null) return 'ERROR';
    return text === t.error ? 'PASS' : 'FAIL';
  }
  const v = strtoull16(r.stdout);
  if (v === undefined) return 'ERROR';
  return v === BigInt(t.result ?? '0') ? 'PASS' : 'FAIL';
}

/** Arguments as the runner builds them: memory (if any), plugin options, then --elf. */
const argsFor = (t: Test, options: string[], elf: boolean) => [
  ...(t.memory ? [runnerHex(t.memory)] : []),
  ...options,
  ...(elf ? ['--elf'] : []),
];

describe('parsePluginArgs / parseHexBytes', () => {
  it('reads memory first, then options; --elf last; empty pieces skipped', () => {
    const o = parsePluginArgs(['00  00  00  01  ', '--engine', 'interp', '', '--elf']);
    expect([...o.memory]).toEqual([0, 0, 0, 1]);
    expect(o.engine).toBe('interp');
    expect(o.elf).toBe(true);
    expect(parsePluginArgs([]).engine).toBe('jit');
    expect(parsePluginArgs(['--engine=interp']).engine).toBe('interp');
    expect(parsePluginArgs(['--interpret']).engine).toBe('interp');
    expect(parsePluginArgs(['--interpret', '--jit']).engine).toBe('jit');
    expect(parsePluginArgs(['--program', 'b7000000010000009500000000000000']).program).toBe(
      'b7000000010000009500000000000000',
    );
    expect(parsePluginArgs(['--budget', '10']).budget).toBe(10);
  });

  it('refuses bad usage', () => {
    expect(() => parsePluginArgs(['--engine', 'wasm'])).toThrow(/--engine must be jit or interp/);
    expect(() => parsePluginArgs(['--engine'])).toThrow(/needs a value/);
    expect(() => parsePluginArgs(['--frob'])).toThrow(/unknown argument '--frob'/);
    expect(() => parsePluginArgs(['--budget', '0'])).toThrow(/positive integer/);
  });

  it('parses hex with any whitespace, and refuses anything else', () => {
    expect([...parseHexBytes('0a  ff  \n', 'x')]).toEqual([10, 255]);
    expect([...parseHexBytes('0aff', 'x')]).toEqual([10, 255]);
    expect(() => parseHexBytes('0a  f  ', 'memory')).toThrow("memory: not hex bytes (at 'f')");
    expect(() => parseHexBytes('zz', 'program')).toThrow("program: not hex bytes (at 'zz')");
  });
});

describe('runPlugin', () => {
  const prog = (src: string) => `${runnerHex(Buffer.from(encodeInsns(assemble(src))).toString('hex'))}\n`;

  it('prints r0 as 0x%016x and exits 0', () => {
    expect(runPlugin([], prog('r0 = 0xfedcba9876543210 ll\nexit'))).toEqual({
      stdout: '0xfedcba9876543210\n',
      stderr: '',
      exitCode: 0,
    });
  });

  it('passes the memory in r1/r2, writable', () => {
    const src = 'r0 = r2\n*(u8 *)(r1 +0) = 7\nr3 = *(u8 *)(r1 +0)\nr0 <<= 8\nr0 |= r3\nexit';
    for (const engine of ['jit', 'interp']) {
      expect(runPlugin(['01  02  03  ', '--engine', engine], prog(src)).stdout).toBe('0x0000000000000307\n');
    }
  });

  it('takes --program instead of stdin, without reading stdin', () => {
    const hex = Buffer.from(encodeInsns(assemble('r0 = 42\nexit'))).toString('hex');
    const r = runPlugin(['--program', hex], () => {
      throw new Error('stdin read');
    });
    expect(r.stdout).toBe('0x000000000000002a\n');
  });

  it('reports faults, budget exhaustion and bad input with a non-zero exit', () => {
    const fault = runPlugin(['--engine', 'interp'], prog('r1 = 0x1000\nr0 = *(u64 *)(r1 +0)\nexit'));
    expect(fault.exitCode).toBe(1);
    expect(fault.stdout).toBe('');
    expect(fault.stderr).toMatch(/^pc 2: /);
    for (const engine of ['jit', 'interp']) {
      const loop = runPlugin(['--engine', engine, '--budget', '1000'], prog('l: goto l'));
      expect(loop.exitCode).toBe(1);
      expect(loop.stderr).toMatch(/budget/);
    }
    expect(runPlugin([], '95  00  00  \n')).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(/not a multiple of 8/),
    });
    expect(runPlugin([], '18  00  00  00  00  00  00  00  \n')).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(/ld_imm64 at slot 0 is truncated/),
    });
    expect(runPlugin([], '\n')).toMatchObject({ exitCode: 1, stderr: 'program: empty\n' });
    expect(runPlugin(['--elf'], prog('exit'))).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(/^ELF object: /),
    });
    expect(runPlugin(['--bogus'], '')).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/unknown argument/),
    });
  });
});

describe.skipIf(!haveCorpus)('bpf-conformance-plugin over the conformance corpus (in-process)', () => {
  const tests: Test[] = haveCorpus
    ? JSON.parse(fs.readFileSync(path.join(corpusDir, 'tests.json'), 'utf8')).tests
    : [];
  const elf: Record<string, string> = haveCorpus
    ? JSON.parse(fs.readFileSync(path.join(corpusDir, 'tests_elf.json'), 'utf8')).elf
    : {};

  for (const mode of ['raw', 'elf'] as const) {
    for (const engine of ['jit', 'interp'] as const) {
      it(`${mode} / ${engine}: all 313 pass`, () => {
        expect(tests.length).toBe(313);
        const notPassed: string[] = [];
        for (const t of tests) {
          const program = mode === 'elf' ? elf[t.name]! : t.program;
          expect(program, t.name).toBeDefined();
          const r = runPlugin(argsFor(t, ['--engine', engine], mode === 'elf'), `${runnerHex(program)}\n`);
          const verdict = judge(t, r);
          if (verdict !== 'PASS') notPassed.push(`${verdict}: ${t.name} ${JSON.stringify(r)}`);
        }
        expect(notPassed).toEqual([]);
      });
    }
  }
});

// Child processes: the executable as the runner starts it, through a `#!`
// wrapper that runs the TypeScript source in Node without a build.
describe.skipIf(!haveCorpus)('bpf-conformance-plugin as a child process', () => {
  const tests: Test[] = haveCorpus
    ? JSON.parse(fs.readFileSync(path.join(corpusDir, 'tests.json'), 'utf8')).tests
    : [];
  const elf: Record<string, string> = haveCorpus
    ? JSON.parse(fs.readFileSync(path.join(corpusDir, 'tests_elf.json'), 'utf8')).elf
    : {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-plugin-'));
  const wrapper = path.join(dir, 'bpf-conformance-plugin');
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${process.execPath}" --conditions=source --import "${path.join(pkgDir, 'test/source-loader.mjs')}" "${path.join(here, 'bin/bpf-conformance-plugin.ts')}" "$@"\n`,
    { mode: 0o755 },
  );
  const spawn = (t: Test, options: string[], isElf: boolean) => {
    const program = isElf ? elf[t.name]! : t.program;
    const r = spawnSync(wrapper, argsFor(t, options, isElf), {
      input: `${runnerHex(program)}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? 128 };
  };
  const byName = (n: string) => tests.find((t) => t.name === n)!;

  it.each([
    ['mem-len', [] as string[], false],
    ['be16-high', ['--engine', 'interp'], false],
    ['callx', ['--engine', 'jit'], true],
    ['call_local', ['--interpret'], true],
  ])('%s %j elf=%s passes', (name, options, isElf) => {
    const t = byName(name);
    const r = spawn(t, options, isElf);
    expect(r.stderr).toBe('');
    expect(judge(t, r)).toBe('PASS');
  });

  it('exits non-zero with a message on stderr for a bad program', () => {
    const r = spawnSync(wrapper, ['--engine', 'interp'], {
      input: '95  00\n',
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not a multiple of 8/);
  });
});
