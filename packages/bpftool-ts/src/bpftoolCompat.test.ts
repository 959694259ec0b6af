/**
 * bpftool-ts against the real bpftool installed on this machine: the same
 * argument vectors give the same exit status, the same stdout (JSON
 * included), the same `Error:` / `libbpf:` lines on stderr and a usage text
 * in the same place. Usage texts differ by design (bpftool-ts lists its own
 * objects). Skips where bpftool is not installed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BtfBuilder, encodeBtf } from '@tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { runIn, tempDir } from './testing/run.js';

function findBpftool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'bpftool');
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

const bpftoolPath = findBpftool();
const work = tempDir('bpftool-compat-');
const btfFile = path.join(work, 'types.btf');
const textFile = path.join(work, 'text');
{
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  b.struct('pair', [
    { name: 'a', type: int },
    { name: 'b', type: b.ptr(int) },
  ]);
  b.enum('color', [
    ['RED', 0],
    ['BLUE', 7],
  ]);
  fs.writeFileSync(btfFile, encodeBtf(b.btf));
  fs.writeFileSync(textFile, 'not an object\n');
}

const CASES: string[][] = [
  [],
  ['frobnicate'],
  ['-j'],
  ['-j', 'frobnicate'],
  ['--bogus'],
  ['-j', '--bogus'],
  ['-jx'],
  ['-B'],
  ['iter'],
  ['iter', 'help'],
  ['-j', 'iter', 'help'],
  ['iter', 'frob'],
  ['iter', 'pin'],
  ['it', 'p'],
  ['iter', 'pin', 'only-one'],
  ['-j', 'iter', 'pin'],
  ['iter', 'pin', '/nonexistent.bpf.o', '/sys/fs/bpf/x'],
  ['-j', 'iter', 'pin', '/nonexistent.bpf.o', '/sys/fs/bpf/x'],
  ['-p', 'iter', 'pin', '/nonexistent.bpf.o', '/sys/fs/bpf/x'],
  ['prog', 'load'],
  ['-j', 'prog', 'load'],
  ['prog', 'load', '/nonexistent.bpf.o', '/sys/fs/bpf/x'],
  ['-j', 'prog', 'help'],
  ['btf', 'dump'],
  ['-j', 'btf', 'dump'],
  ['-p', 'btf', 'dump'],
  ['btf', 'dump', 'file'],
  ['btf', 'dump', 'foo', 'x'],
  ['btf', 'dump', 'file', '/nonexistent'],
  ['btf', 'dump', 'file', work],
  ['btf', 'dump', 'file', textFile],
  ['-j', 'btf', 'dump', 'file', textFile],
  ['btf', 'dump', 'file', btfFile],
  ['btf', 'dump', 'file', btfFile, 'format', 'c'],
  ['btf', 'dump', 'file', btfFile, 'format', 'raw'],
  ['btf', 'dump', 'file', btfFile, 'format', 'x'],
  ['btf', 'dump', 'file', btfFile, 'format', 'r'],
  ['-j', 'btf', 'dump', 'file', btfFile],
  ['-p', 'btf', 'dump', 'file', btfFile],
  ['-j', 'btf', 'dump', 'file', btfFile, 'format', 'c'],
  ['-j', 'btf', 'help'],
];

/** stderr reduced to what must match: Error/libbpf lines, and where a usage text starts. */
function shape(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^(Error|libbpf|Usage):/.test(l))
    .map((l) => (l.startsWith('Usage:') ? 'Usage:' : l));
}

describe.skipIf(!bpftoolPath)(
  `bpftool-ts matches ${bpftoolPath ?? 'bpftool (not installed: skipped)'}`,
  () => {
    it.each(CASES.map((c) => [c.join(' ') || '(no arguments)', c] as const))('%s', async (_name, argv) => {
      const real = spawnSync(bpftoolPath!, argv, { encoding: 'utf8' });
      const ours = await runIn(tempDir(), ...argv);
      expect(ours.status).toBe(real.status);
      expect(ours.stdout).toBe(real.stdout);
      expect(shape(ours.stderr)).toEqual(shape(real.stderr));
    });
  },
);
