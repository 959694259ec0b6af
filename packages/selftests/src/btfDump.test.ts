/**
 * `btf dump file` of the committed objects and of the simulated kernel's BTF,
 * and the check that bpf/vmlinux.h is what the simulator's BTF dumps to today
 * (regenerate with `bpftool-ts btf dump file /sys/kernel/btf/vmlinux format c
 * > bpf/vmlinux.h`, then `bpf/build.sh sim`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { dumpC } from '@tsbpf/btf';
import { Kernel } from '@tsbpf/kernel-sim';
import { describe, expect, it } from 'vitest';
import { bpftool, tempStateDir } from './harness/bpftool.js';
import { missingTools, run } from './harness/host.js';
import { BPF_DIR, objectPath, PROGRAMS, type Variant } from './harness/objects.js';

const VARIANTS: Variant[] = ['sim', 'host'];

describe('btf dump file OBJ', () => {
  it('prints the raw dump of an object, types in id order', async () => {
    const r = await bpftool(tempStateDir(), 'btf', 'dump', 'file', objectPath('sim', 'iter_task'));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe("[1] PTR '(anon)' type_id=2");
    expect(lines[1]).toBe("[2] STRUCT 'bpf_iter__task' size=16 vlen=2");
    expect(r.stdout).toMatch(/^\[\d+\] FUNC 'dump_task' type_id=\d+ linkage=global$/m);
    expect(r.stdout).toMatch(/^\[\d+\] DATASEC '\.rodata' size=0 vlen=3$/m);
    const ids = [...r.stdout.matchAll(/^\[(\d+)\]/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });

  it('prints C for format c and JSON with -j', async () => {
    const state = tempStateDir();
    const c = await bpftool(
      state,
      'btf',
      'dump',
      'file',
      objectPath('host', 'iter_task_file'),
      'format',
      'c',
    );
    expect(c.status).toBe(0);
    expect(c.stdout.startsWith('#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n')).toBe(true);
    expect(c.stdout).toContain('struct bpf_iter__task_file {\n');
    const j = await bpftool(state, '-j', 'btf', 'dump', 'file', objectPath('sim', 'iter_task'));
    expect(j.status).toBe(0);
    const parsed = JSON.parse(j.stdout) as { types: { id: number; kind: string; name: string }[] };
    expect(parsed.types[1]).toMatchObject({ id: 2, kind: 'STRUCT', name: 'bpf_iter__task' });
  });

  it('fails like bpftool for a missing file and for a non-ELF file', async () => {
    const state = tempStateDir();
    expect(await bpftool(state, 'btf', 'dump', 'file', '/nonexistent.o')).toMatchObject({
      status: 254,
      stderr: 'Error: failed to load BTF from /nonexistent.o: No such file or directory\n',
    });
    const notElf = path.join(state, 'text');
    fs.writeFileSync(notElf, 'hello\n');
    expect(await bpftool(state, 'btf', 'dump', 'file', notElf)).toMatchObject({
      status: 95, // -4001 (LIBBPF_ERRNO__FORMAT) as an exit status
      stderr: `libbpf: failed to get EHDR from ${notElf}\nError: failed to load BTF from ${notElf}: Unknown error 4001\n`,
    });
  });

  const noBpftool = missingTools('bpftool');
  it.skipIf(noBpftool !== undefined)(
    `equals real bpftool's raw, C and JSON dumps of every object${noBpftool ? ` (skipped: ${noBpftool})` : ''}`,
    async () => {
      const state = tempStateDir();
      for (const variant of VARIANTS) {
        for (const program of PROGRAMS) {
          const obj = objectPath(variant, program);
          for (const args of [[], ['format', 'c'], ['format', 'raw']]) {
            const real = run('bpftool', ['btf', 'dump', 'file', obj, ...args]);
            const ours = await bpftool(state, 'btf', 'dump', 'file', obj, ...args);
            expect(ours.status).toBe(real.status);
            expect(ours.stdout, `${obj} ${args.join(' ')}`).toBe(real.stdout);
          }
          for (const flag of ['-j', '-p']) {
            const real = run('bpftool', [flag, 'btf', 'dump', 'file', obj]);
            const ours = await bpftool(state, flag, 'btf', 'dump', 'file', obj);
            expect(ours.stdout, `${flag} ${obj}`).toBe(real.stdout);
          }
        }
      }
    },
  );
});

describe('bpf/vmlinux.h', () => {
  const header = fs.readFileSync(path.join(BPF_DIR, 'vmlinux.h'), 'utf8');

  it("is up to date with kernel-sim's BTF (btf dumpC)", () => {
    expect(dumpC(Kernel.boot().btf)).toBe(header);
  });

  it("is what bpftool-ts dumps from the machine's /sys/kernel/btf/vmlinux", async () => {
    const r = await bpftool(tempStateDir(), 'btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(header);
  });

  it('declares the iterator contexts the programs use', () => {
    for (const s of [
      'bpf_iter_meta',
      'bpf_iter__task',
      'bpf_iter__task_file',
      'task_struct',
      'file',
      'dentry',
    ]) {
      expect(header).toContain(`struct ${s} {\n`);
    }
  });
});
