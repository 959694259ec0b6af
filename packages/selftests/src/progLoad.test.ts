/**
 * `prog load` and `iter pin` through the verifier: the nullable-task program
 * is rejected with Linux's message and bpftool's exit status, `-d` prints
 * libbpf's debug lines and the verifier log, and host-built objects are
 * relocated by CO-RE onto the simulator's struct layouts.
 */
import { Kernel } from '@tsbpf/kernel-sim';
import { describe, expect, it } from 'vitest';
import { bpftool, tempStateDir } from './harness/bpftool.js';
import { bpfUnavailable, run } from './harness/host.js';
import { objectPath, type Variant } from './harness/objects.js';

/**
 * The verifier's closing statistics that Linux 6.18 printed for the
 * host-built objects (`bpftool -d prog load`, recorded in the team's
 * real-kernel notes): the simulated verifier walks the same paths.
 */
const LINUX_STATS: Record<'iter_task' | 'iter_task_file' | 'iter_task_nocheck', string> = {
  iter_task:
    'processed 55 insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 2 mark_read 0',
  iter_task_file:
    'processed 41 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 mark_read 0',
  iter_task_nocheck:
    'processed 4 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
};

describe.each<Variant>(['sim', 'host'])('%s-built objects', (variant) => {
  const nocheck = objectPath(variant, 'iter_task_nocheck');

  it("prog load rejects the unchecked ctx->task dereference with Linux's message", async () => {
    const state = tempStateDir();
    const r = await bpftool(state, 'prog', 'load', nocheck, '/sys/fs/bpf/nocheck');
    expect(r.status).toBe(255);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe("libbpf: prog 'dump_task_nocheck': BPF program load failed: Permission denied");
    expect(lines[1]).toBe("libbpf: prog 'dump_task_nocheck': -- BEGIN PROG LOAD LOG --");
    expect(lines).toContain("R2 invalid mem access 'trusted_ptr_or_null_'");
    expect(lines).toContain(LINUX_STATS.iter_task_nocheck);
    expect(
      r.stderr.endsWith(
        '-- END PROG LOAD LOG --\n' +
          "libbpf: prog 'dump_task_nocheck': failed to load: -13\n" +
          `libbpf: failed to load object '${nocheck}'\n` +
          'Error: failed to load object file\n',
      ),
    ).toBe(true);
    // Nothing was pinned.
    expect((await bpftool(state, 'rm', '/sys/fs/bpf/nocheck')).status).toBe(1);
  });

  it('iter pin of the same object exits with -EACCES (243)', async () => {
    const r = await bpftool(tempStateDir(), 'iter', 'pin', nocheck, '/sys/fs/bpf/nocheck');
    expect(r.status).toBe(243);
    expect(r.stderr).toContain("\nR2 invalid mem access 'trusted_ptr_or_null_'\n");
    expect(r.stderr.endsWith(`Error: can't load objfile ${nocheck}\n`)).toBe(true);
  });

  it('-j reports the failure as a JSON error on stdout', async () => {
    const r = await bpftool(tempStateDir(), '-j', 'prog', 'load', nocheck, '/sys/fs/bpf/nocheck');
    expect(r.status).toBe(255);
    expect(r.stdout).toBe('{"error":"failed to load object file"}\n');
  });

  it.each(['iter_task', 'iter_task_file'] as const)('prog load accepts %s and pins it', async (program) => {
    const state = tempStateDir();
    const r = await bpftool(state, 'prog', 'load', objectPath(variant, program), '/sys/fs/bpf/prog');
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    // The pin exists in the persistent machine: it can be removed once.
    expect((await bpftool(state, 'rm', '/sys/fs/bpf/prog')).status).toBe(0);
    expect((await bpftool(state, 'rm', '/sys/fs/bpf/prog')).status).toBe(1);
  });

  it.each(['iter_task', 'iter_task_file'] as const)(
    'prog load -d prints libbpf debug lines and the log of %s',
    async (program) => {
      const obj = objectPath(variant, program);
      const r = await bpftool(tempStateDir(), '-d', 'prog', 'load', obj, '/sys/fs/bpf/prog');
      expect(r.status).toBe(0);
      const lines = r.stderr.split('\n');
      expect(lines[0]).toBe(`libbpf: loading ${obj}`);
      expect(lines).toContain(`libbpf: license of ${obj} is Dual BSD/GPL`);
      expect(lines).toContain("libbpf: loading kernel BTF '/sys/kernel/btf/vmlinux': 0");
      const target = program === 'iter_task' ? 'task' : 'task_file';
      expect(lines).toContain(`libbpf: sec 'iter/${target}': found 12 CO-RE relocations`);
      const begin = lines.indexOf(`libbpf: prog 'dump_${target}': -- BEGIN PROG LOAD LOG --`);
      const end = lines.indexOf('-- END PROG LOAD LOG --');
      expect(begin).toBeGreaterThan(0);
      expect(end).toBeGreaterThan(begin);
      expect(lines[begin + 1]).toBe('0: R1=ctx() R10=fp0');
      expect(lines[end - 1]).toBe(LINUX_STATS[program]);
      expect(lines[end + 1]).toBe(`libbpf: prog 'dump_${target}': pinned at '/sys/fs/bpf/prog'`);
    },
  );
});

describe('CO-RE', () => {
  const k = Kernel.boot();
  const off = (field: string) => k.layout('task_struct').offsetOf(field);

  it('relocates host-built field offsets onto the simulator task_struct', async () => {
    const r = await bpftool(
      tempStateDir(),
      '-d',
      'prog',
      'load',
      objectPath('host', 'iter_task'),
      '/sys/fs/bpf/p',
    );
    expect(r.status).toBe(0);
    const text = r.stderr;
    expect(text.match(/: patched insn #\d+ /g)).toHaveLength(12);
    for (const field of ['tgid', 'pid', 'real_parent', 'comm']) {
      // relo #N: <byte_off> [local] struct task_struct.F (... @ offset HOST)
      const local = new RegExp(
        `relo #(\\d+): <byte_off> \\[\\d+\\] struct task_struct\\.${field} \\([\\d:]+ @ offset (\\d+)\\)`,
      ).exec(text);
      expect(local, field).not.toBeNull();
      const [, relo, hostOff] = local!;
      // The host kernel's layout is not ours: the relocation really moves the access.
      expect(Number(hostOff)).not.toBe(off(field));
      expect(text).toMatch(
        new RegExp(
          `relo #${relo}: matching candidate #0 <byte_off> \\[\\d+\\] struct task_struct\\.${field} \\([\\d:]+ @ offset ${off(field)}\\)\n`,
        ),
      );
      expect(text).toMatch(
        new RegExp(
          `relo #${relo}: patched insn #\\d+ \\([A-Z/0-9]+\\) (off|imm) ${hostOff} -> ${off(field)}\n`,
        ),
      );
    }
  });

  it('leaves sim-built offsets as they are', async () => {
    const r = await bpftool(
      tempStateDir(),
      '-d',
      'prog',
      'load',
      objectPath('sim', 'iter_task'),
      '/sys/fs/bpf/p',
    );
    expect(r.status).toBe(0);
    for (const m of r.stderr.matchAll(/patched insn #\d+ \([A-Z/0-9]+\) (?:off|imm) (\d+) -> (\d+)/g)) {
      expect(m[2]).toBe(m[1]);
    }
  });

  const noBpf = bpfUnavailable();
  it.skipIf(noBpf !== undefined)(
    `libbpf's ELF and relocation lines equal real bpftool -d's${noBpf ? ` (skipped: ${noBpf})` : ''}`,
    async () => {
      for (const program of ['iter_task', 'iter_task_file'] as const) {
        const obj = objectPath('host', program);
        const pin = `/sys/fs/bpf/tsbpf_selftest_${process.pid}`;
        const real = run('bpftool', ['-d', 'prog', 'load', obj, pin]);
        run('rm', ['-f', pin]);
        expect(real.status, real.stderr).toBe(0);
        const ours = await bpftool(tempStateDir(), '-d', 'prog', 'load', obj, '/sys/fs/bpf/p');
        // Up to the kernel BTF load, libbpf only looks at the object: identical text.
        const head = (s: string) =>
          s.slice(0, s.indexOf("libbpf: loading kernel BTF '/sys/kernel/btf/vmlinux'"));
        expect(head(ours.stderr).length).toBeGreaterThan(500);
        expect(head(ours.stderr)).toBe(head(real.stderr));
        // CO-RE: same relocations and the same local specs; targets are each kernel's own.
        const specs = (s: string) => [...s.matchAll(/relo #\d+: <byte_off> .*$/gm)].map((m) => m[0]);
        expect(specs(ours.stderr)).toEqual(specs(real.stderr));
      }
    },
  );
});
