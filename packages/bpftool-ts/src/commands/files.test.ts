import { describe, expect, it } from 'vitest';
import { run, runIn, tempDir } from '../testing/run.js';

describe('cat and rm on the simulated machine', () => {
  it('cat reads procfs and sysfs files of the machine', async () => {
    const r = await run('cat', '/proc/1/comm');
    expect(r).toEqual({ status: 0, stdout: 'systemd\n', stderr: '' });
  });

  it('cat reports a missing path as coreutils does and goes on', async () => {
    const r = await run('cat', '/sys/fs/bpf/none', '/proc/1/comm');
    expect(r).toEqual({
      status: 1,
      stdout: 'systemd\n',
      stderr: 'cat: /sys/fs/bpf/none: No such file or directory\n',
    });
    expect(await run('cat')).toMatchObject({ status: 1, stderr: 'cat: missing file operand\n' });
  });

  it('rm: -f ignores missing paths; without -f it reports them', async () => {
    const dir = tempDir();
    expect(await runIn(dir, 'rm', '-f', '/sys/fs/bpf/none')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await runIn(dir, 'rm', '/sys/fs/bpf/none')).toEqual({
      status: 1,
      stdout: '',
      stderr: "rm: cannot remove '/sys/fs/bpf/none': No such file or directory\n",
    });
    expect(await runIn(dir, 'rm')).toMatchObject({ status: 1, stderr: 'rm: missing operand\n' });
  });
});
