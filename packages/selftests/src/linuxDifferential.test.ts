/**
 * Issue 5's differential test: the same world of processes and open files is
 * built on this machine's Linux kernel (in a fresh pid namespace, by
 * scripts/linux-world.py) and in the simulator (from the script's snapshot),
 * the same iterator object is pinned and read as the namespace's init in
 * both, and the bytes must be identical. Needs root with a working bpf(),
 * bpftool, clang, unshare and python3; skips with the reason otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfUnavailable, missingTools, run } from './harness/host.js';
import { type LinuxRun, runOnLinux, runOnSimulator, type SpecProcess } from './harness/linuxWorld.js';
import { BPF_DIR, objectPath } from './harness/objects.js';

const skipReason = bpfUnavailable() ?? missingTools('clang', 'unshare', 'python3');

/** A server with threads, sockets of five protocols, a pipe shared with its child, files; an idle process. */
function spec(dir: string): { processes: SpecProcess[] } {
  return {
    processes: [
      {
        comm: 'server',
        parent: null,
        threads: ['srv-worker', 'srv-io'],
        files: [
          { fd: 3, path: '/etc/hostname' },
          { fd: 4, socket: 'tcp' },
          { fd: 5, socket: 'unix' },
          { fd: 6, pipe: 'write' },
          { fd: 7, socket: 'udp6' },
          { fd: 9, path: path.join(dir, 'server.log'), mode: 'w' },
        ],
      },
      {
        comm: 'worker',
        parent: 0,
        files: [
          { fd: 6, inherit: true },
          { fd: 8, socket: 'netlink' },
          { fd: 10, socket: 'unix-dgram' },
          {
            fd: 12,
            path: path.join(dir, 'a-rather-long-file-name-beyond-the-inline-dentry-name.dat'),
            mode: 'w',
          },
        ],
      },
      { comm: 'idle', parent: null },
      { comm: 'tail', parent: 2, files: [{ fd: 3, path: path.join(dir, 'server.log') }] },
    ],
  };
}

/** Compiles the C programs against this kernel's vmlinux.h, as bpf/build.sh host does. */
function buildHostObjects(out: string): Record<'iter_task' | 'iter_task_file', string> {
  const header = run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c']);
  if (header.status !== 0) throw new Error(header.stderr);
  fs.writeFileSync(path.join(out, 'vmlinux.h'), header.stdout);
  const objs = {} as Record<'iter_task' | 'iter_task_file', string>;
  for (const name of ['iter_task', 'iter_task_file'] as const) {
    const o = path.join(out, `${name}.bpf.o`);
    const src = path.join(BPF_DIR, `${name}.bpf.c`);
    const cc = run('clang', [
      '-O2',
      '-g',
      '-target',
      'bpf',
      '-Wall',
      '-Werror',
      `-I${out}`,
      '-c',
      src,
      '-o',
      o,
    ]);
    if (cc.status !== 0) throw new Error(cc.stderr);
    objs[name] = o;
  }
  return objs;
}

describe.skipIf(skipReason !== undefined)(
  `the simulator prints what Linux prints${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir: string;
    let fresh: Record<'iter_task' | 'iter_task_file', string>;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbpf-linux-diff-'));
      // `tail` reads the server's log: it must exist before either process starts.
      fs.writeFileSync(path.join(dir, 'server.log'), '');
      fresh = buildHostObjects(dir);
    });
    afterAll(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const cases = [
      ['iter_task', 'sim'],
      ['iter_task', 'host'],
      ['iter_task', 'fresh'],
      ['iter_task_file', 'sim'],
      ['iter_task_file', 'host'],
      ['iter_task_file', 'fresh'],
    ] as const;

    it.each(cases)('%s (%s-built): identical bytes', (program, variant) => {
      const obj = variant === 'fresh' ? fresh[program] : objectPath(variant, program);
      // Linux always runs its own host-built object; the simulator runs `obj`.
      const linux: LinuxRun = runOnLinux(spec(dir), variant === 'fresh' ? obj : objectPath('host', program));
      const sim = runOnSimulator(linux, obj);
      const lines = linux.output.split('\n').length - 1;
      expect(lines).toBeGreaterThan(program === 'iter_task' ? 7 : 20);
      if (program === 'iter_task') expect(linux.output).toMatch(/\n7 tasks\n$/);
      expect(sim.output).toBe(linux.output);
      expect(sim.reads).toEqual(linux.reads);
    });

    // 40 processes x 30 open files: task_file prints more than one 32 KiB
    // seq buffer, so bpf_seq_read's fill/stop rules decide each read's size.
    it.each([65536, 4096, 1000, 1])(
      'a world larger than the seq buffer, read %i bytes at a time',
      (readSize) => {
        const processes: SpecProcess[] = Array.from({ length: 40 }, (_, i) => ({
          comm: `proc-${i}`,
          parent: i % 4 === 0 ? null : i - 1,
          files: Array.from({ length: 30 }, (_, j) =>
            j % 3 === 0
              ? { fd: 3 + j, path: j % 2 ? '/etc/hostname' : '/etc/passwd' }
              : { fd: 3 + j, socket: j % 3 === 1 ? ('udp' as const) : ('unix' as const) },
          ),
        }));
        const obj = objectPath('host', 'iter_task_file');
        const linux = runOnLinux({ processes }, obj, readSize);
        expect(linux.output.length).toBeGreaterThan(40_000);
        expect(Math.max(...(linux.reads ?? []))).toBeLessThanOrEqual(Math.min(readSize, 32767));
        const sim = runOnSimulator(linux, objectPath('sim', 'iter_task_file'));
        expect(sim.output).toBe(linux.output);
        expect(sim.reads).toEqual(linux.reads);
      },
    );
  },
);
