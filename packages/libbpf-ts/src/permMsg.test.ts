import { describe, expect, it } from 'vitest';
import { formatMemlock, prPermMsg } from './permMsg.js';
import { capturePrint } from './testing/capturePrint.js';
import { FakeSyscalls } from './testing/fakeSyscalls.js';

const printed = capturePrint();

describe('pr_perm_msg', () => {
  it('formats the limit as libbpf does', () => {
    expect(formatMemlock(512)).toBe('512 bytes');
    expect(formatMemlock(64 * 1024)).toBe('64.0 KiB');
    expect(formatMemlock(8 * 1024 * 1024)).toBe('8.0 MiB');
    expect(formatMemlock(1536 * 1024)).toBe('1.5 MiB');
  });

  it('hints only for EPERM as root under a finite memlock limit', () => {
    const root = Object.assign(new FakeSyscalls(), { geteuid: () => 0, memlockLimit: () => 8 << 20 });
    prPermMsg(root, -1);
    expect(printed).toEqual([
      "libbpf: permission error while running as root; try raising 'ulimit -l'? current value: 8.0 MiB\n",
    ]);
    prPermMsg(root, -13);
    prPermMsg(Object.assign(new FakeSyscalls(), { geteuid: () => 1000, memlockLimit: () => 8 << 20 }), -1);
    prPermMsg(Object.assign(new FakeSyscalls(), { geteuid: () => 0, memlockLimit: () => Infinity }), -1);
    prPermMsg(new FakeSyscalls(), -1);
    expect(printed).toHaveLength(1);
  });
});
