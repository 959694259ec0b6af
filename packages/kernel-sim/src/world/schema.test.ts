import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';
import { generateWorld } from './generate.js';
import { parseWorld, validateWorld, WorldError } from './schema.js';

const bad = (w: unknown) => {
  try {
    validateWorld(w);
  } catch (e) {
    if (e instanceof WorldError) return e.message;
    throw e;
  }
  return 'valid';
};

describe('world files', () => {
  it('reports the offending field', () => {
    expect(bad([])).toBe('world: $: expected an object');
    expect(bad({ version: 2, processes: [] })).toBe('world: $.version: expected 1');
    expect(
      bad({
        version: 1,
        processes: [
          { pid: 1, ppid: 0, comm: 'a' },
          { pid: 1, ppid: 0, comm: 'b' },
        ],
      }),
    ).toBe('world: $.processes[1].pid: duplicate pid 1');
    expect(bad({ version: 1, processes: [{ pid: 5, ppid: 4, comm: 'x' }] })).toBe(
      'world: $.processes[0].ppid: parent 4 is not listed before',
    );
    expect(
      bad({ version: 1, processes: [{ pid: 1, ppid: 0, comm: 'x', files: [{ fd: 0, type: 'door' }] }] }),
    ).toBe("world: $.processes[0].files[0].type: expected 'file', 'pipe', 'socket' or 'eventfd'");
    expect(bad({ version: 1, processes: [{ pid: 1, ppid: 0, comm: 'x', kthread: true, files: [] }] })).toBe(
      'world: $.processes[0].files: kernel threads have no files',
    );
    expect(bad({ version: 1, processes: [{ pid: 1, ppid: 0, comm: 'x', color: 'red' }] })).toBe(
      'world: $.processes[0].color: unknown field',
    );
    expect(() => parseWorld('{nope')).toThrow(/world: \$: not JSON/);
  });

  it('a missing file path fails the build with the process and fd named', () => {
    const w = parseWorld(
      JSON.stringify({
        version: 1,
        processes: [{ pid: 1, ppid: 0, comm: 'init', files: [{ fd: 0, type: 'file', path: '/nope' }] }],
      }),
    );
    expect(() => Kernel.boot({ world: w })).toThrow(
      'world: $.processes[pid 1].files[0]: cannot open: ENOENT',
    );
  });

  it('loads a world file with threads, pipes and fds at given numbers', () => {
    const w = parseWorld(
      JSON.stringify({
        version: 1,
        files: [{ path: '/srv/data.txt', content: 'hi' }],
        processes: [
          { pid: 1, ppid: 0, comm: 'init', files: [{ fd: 7, type: 'file', path: '/srv/data.txt' }] },
          {
            pid: 9,
            ppid: 1,
            comm: 'w',
            threads: [{ tid: 10, comm: 'w2' }],
            files: [{ fd: 0, type: 'pipe', pipe: 'x', end: 'read' }],
          },
          { pid: 11, ppid: 1, comm: 'r', files: [{ fd: 3, type: 'pipe', pipe: 'x', end: 'write' }] },
        ],
      }),
    );
    const k = Kernel.boot({ world: w });
    expect(k.tasks().map((t) => t.pid)).toEqual([1, 9, 10, 11]);
    expect(
      k
        .task(1)!
        .fdTable()
        .map(([fd]) => fd),
    ).toEqual([7]);
    const p = k.process(11);
    p.write(3, Uint8Array.of(65, 66));
    const buf = new Uint8Array(8);
    expect(k.process(10).read(0, buf)).toBe(2);
    expect(p.readlink('/proc/9/fd/0')).toBe(p.readlink('/proc/11/fd/3'));
    expect(p.readlink('/proc/9/fd/0')).toMatch(/^pipe:\[\d+\]$/);
  });

  it('generates N tasks x M files', () => {
    const k = Kernel.boot({ world: generateWorld({ tasks: 50, filesPerTask: 12, threadsPerTask: 1 }) });
    expect(k.tasks().length).toBe(101);
    const t = k.task(100)!;
    expect(t.fdTable().length).toBe(12);
    expect(k.process(100).readlink('/proc/100/fd/1')).toMatch(/^socket:\[\d+\]$/);
    expect(k.process(100).readlink('/proc/100/fd/2')).toBe('anon_inode:[eventfd]');
    expect(k.process(100).readlink('/proc/100/fd/0')).toBe('/data/f0_0');
  });
});
