import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { elfSection } from '../test/elf.js';
import { dumpC } from './dumpC.js';
import { parseBtf } from './parse.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
const objects = readdirSync(dir).filter((f) => f.endsWith('.o'));
const VMLINUX = '/sys/kernel/btf/vmlinux';

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const bpftool = has('bpftool', ['version']);
const clang = has('clang', ['--version']);
const vmlinux = existsSync(VMLINUX);

function compiles(header: string): void {
  const tmp = mkdtempSync(join(tmpdir(), 'btf-dumpc-'));
  try {
    writeFileSync(join(tmp, 'vmlinux.h'), header);
    writeFileSync(join(tmp, 'main.c'), '#include "vmlinux.h"\nint main_probe(void) { return 0; }\n');
    execFileSync(
      'clang',
      ['-target', 'bpf', '-O2', '-g', '-c', join(tmp, 'main.c'), '-o', join(tmp, 'main.o')],
      {
        stdio: 'pipe',
      },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('dumpC', () => {
  for (const f of objects) {
    const stem = f.replace(/\.o$/, '');
    const btf = () => parseBtf(elfSection(new Uint8Array(readFileSync(join(dir, f))), '.BTF')!);
    it(`${f}: format c equals ${stem}.c.txt (bpftool golden)`, () => {
      expect(dumpC(btf())).toBe(readFileSync(join(dir, `${stem}.c.txt`), 'utf8'));
    });
    it.skipIf(!clang)(`${f}: the header compiles with clang (skips without clang)`, () => {
      compiles(dumpC(btf()));
    });
  }
  it.skipIf(!bpftool || !vmlinux)(
    'vmlinux: equals live bpftool format c (skips without bpftool/vmlinux)',
    () => {
      const want = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], {
        maxBuffer: 1 << 30,
        encoding: 'utf8',
      });
      const got = dumpC(parseBtf(new Uint8Array(readFileSync(VMLINUX))));
      expect(got.length).toBe(want.length);
      expect(got === want).toBe(true);
    },
  );
  it.skipIf(!clang || !vmlinux)(
    'vmlinux: the C dump compiles with clang (skips without clang/vmlinux)',
    () => {
      compiles(dumpC(parseBtf(new Uint8Array(readFileSync(VMLINUX)))));
    },
    120_000,
  );
});
