import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';
import { parseState } from '../persist.js';
import { parseWorld, type World, WorldError } from './schema.js';

/** unshare --pid --fork: init 101 of a new namespace under 100, three processes and a thread in it. */
const world: World = {
  version: 1,
  files: [{ path: '/tmp/log', ino: 2147442 }],
  processes: [
    { pid: 1, ppid: 0, comm: 'init', files: [{ fd: 0, type: 'file', path: '/dev/null' }] },
    { pid: 100, ppid: 1, comm: 'unshare' },
    {
      pid: 101,
      ppid: 100,
      comm: 'reader',
      newPidNs: true,
      files: [
        { fd: 0, type: 'pipe', pipe: 'in', end: 'read', ino: 133732 },
        { fd: 1, type: 'socket', proto: 'TCP', ino: 175529 },
        { fd: 2, type: 'file', path: '/tmp/log' },
      ],
    },
    { pid: 103, ppid: 101, comm: 'late', nsPid: 3 },
    { pid: 102, ppid: 101, comm: 'early', nsPid: 2, threads: [{ tid: 104, comm: 'worker', nsTid: 4 }] },
  ],
};

describe('pid namespaces in a world', () => {
  it('gives each task a number in its namespace and in the initial one', () => {
    const k = Kernel.boot({ world });
    const reader = k.process(101);
    const ns = k.pidNsOf(reader);
    expect(ns).not.toBe(k.initPidNs);
    expect(ns.parent).toBe(k.initPidNs);
    expect(k.tasks(ns).map((t) => [k.pidNr(t, ns), t.pid])).toEqual([
      [1, 101],
      [2, 102],
      [3, 103],
      [4, 104],
    ]);
    expect(k.pidNr(k.task(100)!, ns)).toBe(0);
    expect(k.pidNr(k.task(102)!)).toBe(102);
    expect(k.tasks().map((t) => t.pid)).toEqual([1, 100, 101, 102, 103, 104]);
    // A fork inside the namespace allocates there and globally.
    const child = reader.fork('child');
    expect(k.pidNr(child.task, ns)).toBe(5);
    expect(child.task.pid).toBe(105);
    child.exit();
    expect(k.tasks(ns)).toHaveLength(4);
    expect(k.task(105)).toBeUndefined();
  });

  it('survives a snapshot and restore', () => {
    const k = Kernel.restore(parseState(JSON.stringify(Kernel.boot({ world }).snapshot())));
    const ns = k.pidNsOf(k.process(103));
    expect(k.tasks(ns).map((t) => [k.pidNr(t, ns), t.pid])).toEqual([
      [1, 101],
      [2, 102],
      [3, 103],
      [4, 104],
    ]);
  });

  it('keeps inode numbers and socket protocol names from the world', () => {
    const k = Kernel.boot({ world });
    const files = k.task(101)!.fdTable();
    expect(files.map(([fd, f]) => [fd, f.dentry.name, f.dentry.inode!.ino, k.filePath(f)])).toEqual([
      [0, '', 133732, 'pipe:[133732]'],
      [1, 'TCP', 175529, 'socket:[175529]'],
      [2, 'log', 2147442, '/tmp/log'],
    ]);
  });

  it('validates the new fields', () => {
    const bad = (p: Record<string, unknown>) =>
      JSON.stringify({ version: 1, processes: [{ pid: 1, ppid: 0, comm: 'x', ...p }] });
    expect(() => parseWorld(bad({ newPidNs: 'yes' }))).toThrow(WorldError);
    expect(() => parseWorld(bad({ nsPid: 0 }))).toThrow('$.processes[0].nsPid');
    expect(() => parseWorld(bad({ files: [{ fd: 1, type: 'socket', ino: -1 }] }))).toThrow('.ino');
  });
});
