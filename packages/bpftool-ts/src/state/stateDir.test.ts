import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readState, resolveStateDir, StateError, StateLock, writeState } from './stateDir.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tsbpf-state-'));

describe('state directory', () => {
  it('resolves option, then env, then XDG, then HOME', () => {
    expect(resolveStateDir('/a', { TSBPF_STATE_DIR: '/b' })).toBe('/a');
    expect(resolveStateDir(undefined, { TSBPF_STATE_DIR: '/b' })).toBe('/b');
    expect(resolveStateDir(undefined, { XDG_STATE_HOME: '/x' })).toBe('/x/tsbpf');
    expect(resolveStateDir(undefined, { HOME: '/h' })).toBe('/h/.local/state/tsbpf');
  });

  it('writes atomically and reads back', () => {
    const dir = tmp();
    expect(readState(dir)).toBeUndefined();
    writeState(dir, '{"a":1}');
    expect(readState(dir)).toBe('{"a":1}');
    writeState(dir, '{"a":2}');
    expect(readState(dir)).toBe('{"a":2}');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('locks against a live holder and takes over a dead one', () => {
    const dir = tmp();
    const lock = StateLock.acquire(dir);
    expect(() => StateLock.acquire(dir, 50)).toThrow(StateError);
    lock.release();
    // A lock file naming a process that does not exist is stale.
    fs.writeFileSync(path.join(dir, 'lock'), '2147483646\n');
    const again = StateLock.acquire(dir, 50);
    again.release();
  });
});
