import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dumpC } from '../src/dumpC.js';
import { dumpJson, dumpRaw } from '../src/dumpRaw.js';
import { encodeBtf } from '../src/encode.js';
import { parseBtf } from '../src/parse.js';
import { kindsBtf } from './kinds.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function bpftool(args: string[]): string | undefined {
  if (process.env.TSBPF_NO_LIVE) return undefined;
  try {
    return execFileSync('bpftool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

describe('kinds clang 14 does not emit (ENUM64, signed enums, packed, padding, extern, attr tags)', () => {
  const bytes = kindsBtf();
  const btf = parseBtf(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'btf-kinds-'));
  const file = join(dir, 'kinds.btf');
  writeFileSync(file, bytes);
  const live = {
    raw: bpftool(['btf', 'dump', 'file', file, 'format', 'raw']),
    c: bpftool(['btf', 'dump', 'file', file, 'format', 'c']),
    json: bpftool(['-j', 'btf', 'dump', 'file', file]),
  };
  rmSync(dir, { recursive: true, force: true });
  if (live.raw && process.env.BTF_UPDATE_GOLDEN) {
    writeFileSync(join(fixtures, 'kinds.raw.txt'), live.raw);
    writeFileSync(join(fixtures, 'kinds.c.txt'), live.c ?? '');
    writeFileSync(join(fixtures, 'kinds.json.txt'), live.json ?? '');
  }
  const golden = (ext: string) => readFileSync(join(fixtures, `kinds.${ext}`), 'utf8');

  it('round-trips', () => expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(bytes))).toBe(true));
  it('raw dump equals bpftool', () => expect(dumpRaw(btf)).toBe(live.raw ?? golden('raw.txt')));
  it('C dump equals bpftool', () => expect(dumpC(btf)).toBe(live.c ?? golden('c.txt')));
  it('JSON dump equals bpftool', () => expect(dumpJson(btf)).toBe(live.json ?? golden('json.txt')));
});

describe("dumpC style 'latest' (libbpf >= 1.2)", () => {
  it('adds enum mode attributes and attribute type tags', () => {
    const c = dumpC(parseBtf(kindsBtf()), { style: 'latest', header: false });
    expect(c).toContain('enum tiny {\n\tT_A = 1,\n} __attribute__((mode(byte)));');
    expect(c).toContain('enum small64 {\n\tS64_A = 7ULL,\n} __attribute__((mode(word)));');
    expect(c).toContain('enum big {\n\tBIG_A = 1099511627776ULL,\n\tBIG_B = 18446744073709551615ULL,\n};');
    expect(c).toContain('int __attribute__((address_space(1))) *p;');
  });
});
