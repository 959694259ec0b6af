import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HelperTable } from './engine.js';
import { decodeInsns } from './insn.js';
import { prepare } from './interp.js';
import { AddressSpace, Region } from './memory.js';

// The BPF ISA conformance corpus shared beside the repository (../shared/conformance).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusFile = path.resolve(repoRoot, '../shared/conformance/tests.json');
const haveCorpus = fs.existsSync(corpusFile);

interface ConformanceTest {
  name: string;
  program: string;
  memory: string;
  result: string | null;
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
// Helper 5 only has to return (both tests overwrite r0 afterwards).
const helpers: HelperTable = new Map([[5, (_env, r1) => r1]]);

describe.skipIf(!haveCorpus)(`BPF conformance corpus (${corpusFile})`, () => {
  const tests: ConformanceTest[] = haveCorpus ? JSON.parse(fs.readFileSync(corpusFile, 'utf8')).tests : [];

  it('has 313 tests', () => {
    expect(tests.length).toBe(313);
  });

  for (const t of tests) {
    it.each(['interp', 'jit'] as const)(`%s: ${t.name}`, (engine) => {
      const memory = new AddressSpace();
      const data = hex(t.memory);
      const base = 0x10000000n;
      if (data.length) memory.map(new Region('input', base, data));
      const exe = prepare(decodeInsns(hex(t.program)), { engine, helpers, budget: 1_000_000 });
      const r0 = exe.run({ memory, args: data.length ? [base, BigInt(data.length)] : [] });
      expect(exe.engine).toBe(engine);
      expect(`0x${r0.toString(16).padStart(16, '0')}`).toBe(t.result ?? '0x0000000000000000');
    });
  }
});
