/**
 * The origin's flow end to end through bpftool-ts's public entry point:
 * `iter pin`, `cat`, `rm -f` in separate invocations over one persistent
 * machine, for objects built against the simulator's vmlinux.h (sim) and
 * against this machine's kernel BTF (host, relocated by CO-RE).
 */
import { Kernel, type Task } from '@tsbpf/kernel-sim';
import { beforeAll, describe, expect, it } from 'vitest';
import { bpftool, tempStateDir } from './harness/bpftool.js';
import {
  expectedTaskFileLines,
  expectedTaskTable,
  TASK_FILE_HEADER,
  type TaskRow,
  taskRow,
} from './harness/expected.js';
import { objectPath, type Variant } from './harness/objects.js';

/** The embedded default world, booted fresh: the tasks every machine starts with. */
function defaultWorldTasks(): readonly Task[] {
  return Kernel.boot().tasks();
}

/**
 * The reader of an iterator is the `cat` invocation's own process: a child of
 * pid 1 with the next free pid (the machine keeps its last pid across
 * invocations, as a running system does). Returns it from the last table line.
 */
function readerRow(table: string, world: readonly Task[]): TaskRow {
  const last = table.trimEnd().split('\n').at(-2) ?? '';
  const m = /^ +(\d+) +(\d+) +(\d+) (.*)$/.exec(last);
  if (!m) throw new Error(`no reader line in ${JSON.stringify(table)}`);
  const row = { tgid: Number(m[1]), pid: Number(m[2]), ppid: Number(m[3]), comm: m[4]! };
  expect(row).toMatchObject({ tgid: row.pid, ppid: 1, comm: 'cat' });
  expect(row.pid).toBeGreaterThan(Math.max(...world.map((t) => t.pid)));
  return row;
}

describe.each<Variant>(['sim', 'host'])('iter pin / cat / rm with %s-built objects', (variant) => {
  let state: string;
  beforeAll(() => {
    state = tempStateDir();
  });

  it('pins iter_task, reads the ps table twice, removes the pin', async () => {
    const pin = await bpftool(state, 'iter', 'pin', objectPath(variant, 'iter_task'), '/sys/fs/bpf/task');
    expect(pin).toMatchObject({ status: 0, stdout: '', stderr: '' });

    const world = defaultWorldTasks();
    const first = await bpftool(state, 'cat', '/sys/fs/bpf/task');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const reader = readerRow(first.stdout, world);
    expect(first.stdout).toBe(expectedTaskTable([...world.map(taskRow), reader]));
    expect(first.stdout.split('\n')[0]).toBe('    TGID      PID     PPID COMM');
    expect(first.stdout.endsWith(`\n${world.length + 1} tasks\n`)).toBe(true);

    // Each open of the pin is a new session, read by a new cat process.
    const second = await bpftool(state, 'cat', '/sys/fs/bpf/task');
    const reader2 = readerRow(second.stdout, world);
    expect(reader2.pid).toBeGreaterThan(reader.pid);
    expect(second.stdout).toBe(expectedTaskTable([...world.map(taskRow), reader2]));

    const rm = await bpftool(state, 'rm', '-f', '/sys/fs/bpf/task');
    expect(rm).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });

  it('cat after rm fails as coreutils cat does', async () => {
    const gone = await bpftool(state, 'cat', '/sys/fs/bpf/task');
    expect(gone).toMatchObject({
      status: 1,
      stdout: '',
      stderr: 'cat: /sys/fs/bpf/task: No such file or directory\n',
    });
    // rm -f of a missing pin is quiet; rm without -f is not.
    expect((await bpftool(state, 'rm', '-f', '/sys/fs/bpf/task')).status).toBe(0);
    expect(await bpftool(state, 'rm', '/sys/fs/bpf/task')).toMatchObject({
      status: 1,
      stderr: "rm: cannot remove '/sys/fs/bpf/task': No such file or directory\n",
    });
  });

  it('pins iter_task_file and lists every open file with inode and dentry name', async () => {
    const pin = await bpftool(
      state,
      'iter',
      'pin',
      objectPath(variant, 'iter_task_file'),
      '/sys/fs/bpf/files',
    );
    expect(pin.status).toBe(0);
    const out = await bpftool(state, 'cat', '/sys/fs/bpf/files');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);

    const world = defaultWorldTasks();
    const lines = out.stdout.split(/(?<=\n)/);
    expect(lines[0]).toBe(TASK_FILE_HEADER);
    const worldLines = expectedTaskFileLines(world);
    expect(worldLines.length).toBeGreaterThan(20);
    expect(lines.slice(1, 1 + worldLines.length)).toEqual(worldLines);

    // The reader (cat) holds stdin/stdout/stderr inherited from pid 1 and the
    // iterator as fd 3, named after the pin.
    const readerLines = lines.slice(1 + worldLines.length);
    const pid1 = world.find((t) => t.pid === 1)!;
    const stdio = expectedTaskFileLines([pid1]).slice(0, 3);
    expect(readerLines).toHaveLength(4);
    const readerPid = Number(/^ +(\d+)/.exec(readerLines[0] ?? '')?.[1]);
    expect(readerPid).toBeGreaterThan(Math.max(...world.map((t) => t.pid)));
    expect(readerLines.slice(0, 3)).toEqual(
      stdio.map((l) => l.replace(/^ +1 /, `${String(readerPid).padStart(8)} `)),
    );
    expect(readerLines[3]).toMatch(new RegExp(`^ +${readerPid} +3 +\\d+ files\\n$`));

    expect((await bpftool(state, 'rm', '-f', '/sys/fs/bpf/files')).status).toBe(0);
  });

  it('refuses to pin over an existing path (EEXIST, exit 239)', async () => {
    const obj = objectPath(variant, 'iter_task');
    expect((await bpftool(state, 'iter', 'pin', obj, '/sys/fs/bpf/twice')).status).toBe(0);
    const again = await bpftool(state, 'iter', 'pin', obj, '/sys/fs/bpf/twice');
    expect(again).toMatchObject({
      status: 239,
      stdout: '',
      stderr: 'Error: pin_iter failed for program dump_task to path /sys/fs/bpf/twice\n',
    });
    expect((await bpftool(state, 'rm', '/sys/fs/bpf/twice')).status).toBe(0);
  });
});

describe('the machine persists between invocations', () => {
  it('keeps pins of both programs side by side and reads each', async () => {
    const state = tempStateDir();
    await bpftool(state, 'iter', 'pin', objectPath('sim', 'iter_task'), '/sys/fs/bpf/a');
    await bpftool(state, 'iter', 'pin', objectPath('host', 'iter_task_file'), '/sys/fs/bpf/b');
    const a = await bpftool(state, 'cat', '/sys/fs/bpf/a');
    const b = await bpftool(state, 'cat', '/sys/fs/bpf/b');
    expect(a.stdout).toMatch(/^ {4}TGID {6}PID {5}PPID COMM\n/);
    expect(b.stdout.startsWith(TASK_FILE_HEADER)).toBe(true);
    // cat of two paths concatenates them, as coreutils cat does (one reader for both).
    const both = await bpftool(state, 'cat', '/sys/fs/bpf/a', '/sys/fs/bpf/b');
    const split = both.stdout.indexOf(TASK_FILE_HEADER);
    expect(split).toBeGreaterThan(0);
    expect(both.stdout.slice(0, split)).toMatch(/tasks\n$/);
    expect(both.stdout.slice(0, split).split('\n')).toHaveLength(a.stdout.split('\n').length);
  });
});
