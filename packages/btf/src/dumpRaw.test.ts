import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { elfSection } from '../test/elf.js';
import { dumpJson, dumpRaw } from './dumpRaw.js';
import { parseBtf } from './parse.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
const objects = readdirSync(dir).filter((f) => f.endsWith('.o'));
const VMLINUX = '/sys/kernel/btf/vmlinux';

function hasBpftool(): boolean {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const bpftool = hasBpftool();

describe('dumpRaw / dumpJson against bpftool golden files', () => {
  for (const f of objects) {
    const btf = () => parseBtf(elfSection(new Uint8Array(readFileSync(join(dir, f))), '.BTF')!);
    const stem = f.replace(/\.o$/, '');
    it(`${f}: format raw equals ${stem}.raw.txt`, () => {
      expect(dumpRaw(btf())).toBe(readFileSync(join(dir, `${stem}.raw.txt`), 'utf8'));
    });
    it(`${f}: -j equals ${stem}.json.txt`, () => {
      expect(dumpJson(btf())).toBe(readFileSync(join(dir, `${stem}.json.txt`), 'utf8'));
    });
  }
  it.skipIf(!bpftool || !existsSync(VMLINUX))(
    'vmlinux raw dump equals live bpftool (skips without bpftool/vmlinux)',
    () => {
      const want = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'raw'], {
        maxBuffer: 1 << 30,
        encoding: 'utf8',
      });
      const got = dumpRaw(parseBtf(new Uint8Array(readFileSync(VMLINUX))));
      expect(got.length).toBe(want.length);
      expect(got === want).toBe(true);
    },
  );
  it.skipIf(!bpftool || !existsSync(VMLINUX))(
    'vmlinux JSON dump equals live bpftool -j (skips without bpftool/vmlinux)',
    () => {
      const want = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', VMLINUX], {
        maxBuffer: 1 << 30,
        encoding: 'utf8',
      });
      const got = dumpJson(parseBtf(new Uint8Array(readFileSync(VMLINUX))));
      expect(got.length).toBe(want.length);
      expect(got === want).toBe(true);
    },
  );
});
