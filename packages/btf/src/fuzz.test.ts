/**
 * Parser fuzzing: random blobs and mutations of real BTF must give a
 * BtfError (or a result), never another exception and never a hang.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { elfSection } from '../test/elf.js';
import { fixedFixtureBtf, rng } from '../test/loadCases.js';
import { BtfError } from './btf.js';
import { checkBtfLoad } from './check.js';
import { dumpC } from './dumpC.js';
import { dumpJson, dumpRaw } from './dumpRaw.js';
import { encodeBtf } from './encode.js';
import { parseBtfExt } from './ext.js';
import { parseBtf } from './parse.js';

const ITER = 1500;

function expectTyped(fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
    return 'error';
  }
}

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = src.slice(0, r() % 8 === 0 ? r() % (src.length + 1) : src.length);
  const n = 1 + (r() % 8);
  for (let i = 0; i < n && b.length; i++) {
    const off = r() % 4 === 0 ? r() % Math.min(24, b.length) : r() % b.length;
    b[off] = r() % 3 === 0 ? 0xff : r() & 0xff;
  }
  return b;
}

describe('fuzz', () => {
  const good = fixedFixtureBtf();
  const obj = new Uint8Array(
    readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'types.bpf.o')),
  );
  const ext = elfSection(obj, '.BTF.ext')!;

  it('parseBtf + dumps on mutated BTF: typed errors only', () => {
    const r = rng(1234);
    const seen = { ok: 0, error: 0 };
    for (let i = 0; i < ITER; i++) {
      const b = mutate(good, r);
      let btf: ReturnType<typeof parseBtf> | undefined;
      seen[
        expectTyped(() => {
          btf = parseBtf(b);
        })
      ]++;
      if (!btf) continue;
      const parsed = btf;
      expectTyped(() => dumpRaw(parsed));
      expectTyped(() => dumpJson(parsed));
      expectTyped(() => dumpC(parsed));
      expectTyped(() => encodeBtf(parsed));
    }
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });

  it('parseBtf on random bytes with a valid-looking header', () => {
    const r = rng(99);
    for (let i = 0; i < ITER; i++) {
      const len = r() % 256;
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) b[j] = r() & 0xff;
      if (len >= 24 && r() % 2) {
        const dv = new DataView(b.buffer);
        dv.setUint16(0, 0xeb9f, true);
        b[2] = 1;
        dv.setUint32(4, 24, true);
        const tl = (r() % (len - 23)) & ~3;
        dv.setUint32(8, 0, true);
        dv.setUint32(12, tl, true);
        dv.setUint32(16, tl, true);
        dv.setUint32(20, len - 24 - tl, true);
      }
      expectTyped(() => parseBtf(b));
    }
  });

  it('parseBtfExt on mutated .BTF.ext: typed errors only', () => {
    const r = rng(7);
    const btf = parseBtf(elfSection(obj, '.BTF')!);
    let errors = 0;
    for (let i = 0; i < ITER; i++)
      if (expectTyped(() => parseBtfExt(mutate(ext, r), btf)) === 'error') errors++;
    expect(errors).toBeGreaterThan(0);
  });

  it('checkBtfLoad never throws', () => {
    const r = rng(4242);
    for (let i = 0; i < ITER; i++) {
      const res = checkBtfLoad(mutate(good, r), { logLevel: 1, logSize: 4096 });
      expect(typeof res.log).toBe('string');
    }
  });
});
