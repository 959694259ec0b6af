/**
 * Recorded runs of scripts/linux-world.py on Linux 6.18 (test/fixtures): the
 * world snapshot and what the kernel printed. Replaying the snapshot in the
 * simulator must give the same bytes, with the sim-built and the host-built
 * object. Runs everywhere; linuxDifferential.test.ts does it live where root
 * and bpf() are available.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LinuxRun, runOnSimulator, worldFromSnapshot } from './harness/linuxWorld.js';
import { BPF_DIR, objectPath, type Variant } from './harness/objects.js';

const fixture = (program: string): LinuxRun & { kernel: string } =>
  JSON.parse(
    fs.readFileSync(path.join(BPF_DIR, '..', 'test', 'fixtures', `linux-run.${program}.json`), 'utf8'),
  );

describe.each(['iter_task', 'iter_task_file'] as const)("replay of Linux's %s run", (program) => {
  const linux = fixture(program);

  it('was recorded on Linux 6.18 with output to compare', () => {
    expect(linux.kernel).toMatch(/^6\.18\./);
    expect(linux.output.length).toBeGreaterThan(200);
    expect(linux.reads?.reduce((a, b) => a + b, 0)).toBe(linux.output.length);
  });

  it.each<Variant>(['sim', 'host'])(
    'prints the same bytes, read for read, with the %s-built object',
    (variant) => {
      const sim = runOnSimulator(linux, objectPath(variant, program));
      expect(sim.output).toBe(linux.output);
      expect(sim.reads).toEqual(linux.reads);
    },
  );
});

describe('worldFromSnapshot', () => {
  const linux = fixture('iter_task_file');
  const world = worldFromSnapshot(linux);

  it('puts the reader at the root of a new pid namespace under unshare', () => {
    const [unshare, reader] = world.processes;
    expect(unshare).toEqual({ pid: reader!.ppid, ppid: 0, comm: 'unshare' });
    expect(reader).toMatchObject({ pid: linux.init, comm: 'tsbpf-reader', newPidNs: true, nsPid: 1 });
    expect(world.processes.slice(1).map((p) => p.nsPid)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps threads, inode numbers and socket protocol names', () => {
    const server = world.processes.find((p) => p.comm === 'server')!;
    expect(server.threads?.map((t) => t.comm)).toEqual(['srv-worker', 'srv-io']);
    const byFd = new Map(server.files!.map((f) => [f.fd, f]));
    expect(byFd.get(4)).toMatchObject({ type: 'socket', proto: 'TCP' });
    expect(byFd.get(7)).toMatchObject({ type: 'socket', proto: 'UDPv6' });
    expect(byFd.get(6)).toMatchObject({ type: 'pipe', end: 'write' });
    expect(world.files?.find((f) => f.path === '/etc/hostname')?.ino).toBeGreaterThan(0);
  });
});
