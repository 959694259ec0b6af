import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedFixtureBtf } from '../test/loadCases.js';
import { BtfBuilder } from './builder.js';
import { dumpRaw } from './dumpRaw.js';
import { encodeBtf } from './encode.js';
import { parseBtf } from './parse.js';

function hasBpftool(): boolean {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('split BTF', () => {
  const baseBytes = fixedFixtureBtf();
  const base = parseBtf(baseBytes);
  const b = new BtfBuilder(base);
  const int = base.findByName('int', 'INT')!;
  const task = base.findByName('task_struct', 'STRUCT')!;
  const mod = b.struct('mod_state', [
    { name: 'count', type: int },
    { name: 'owner', type: b.ptr(task) },
  ]);
  b.func('mod_init', b.funcProto(int, [{ name: 's', type: b.ptr(mod) }]));
  const splitBytes = encodeBtf(b.btf);

  it('numbers split types after the base and reuses base strings', () => {
    expect(mod).toBe(base.endId + 1); // after the PTR its member needed
    const split = parseBtf(splitBytes, { base });
    expect(split.startId).toBe(base.endId);
    expect(split.type(mod)).toEqual(b.btf.type(mod));
    expect(split.type(int)).toBe(base.type(int));
    expect(split.findByName('task_struct')).toBe(task);
    // 'int' and 'task_struct' come from the base's string section.
    const strLen = new DataView(splitBytes.buffer).getUint32(20, true);
    expect(strLen).toBe('mod_state\0count\0owner\0mod_init\0s\0'.length);
  });

  it('round-trips byte for byte', () => {
    expect(Buffer.from(encodeBtf(parseBtf(splitBytes, { base }))).equals(Buffer.from(splitBytes))).toBe(true);
  });

  it.skipIf(!hasBpftool())('raw dump equals bpftool -B base (skips without bpftool)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'btf-split-'));
    try {
      writeFileSync(join(dir, 'base'), baseBytes);
      writeFileSync(join(dir, 'split'), splitBytes);
      const want = execFileSync(
        'bpftool',
        ['-B', join(dir, 'base'), 'btf', 'dump', 'file', join(dir, 'split')],
        {
          encoding: 'utf8',
        },
      );
      expect(dumpRaw(parseBtf(splitBytes, { base }))).toBe(want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
