import { describe, expect, it } from 'vitest';
import { run } from '../testing/run.js';

const ITER_USAGE = 'Usage: bpftool-ts iter pin OBJ PATH [map MAP]\n       bpftool-ts iter help\n';

describe('iter', () => {
  it('iter pin without arguments: REQ_ARGS error, the usage, exit 255', async () => {
    const r = await run('iter', 'pin');
    expect(r.status).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`Error: 'pin' needs at least 2 arguments, 0 found\n${ITER_USAGE}`)).toBe(true);
    const one = await run('iter', 'pin', 'obj.o');
    expect(one.stderr.startsWith("Error: 'pin' needs at least 2 arguments, 1 found\n")).toBe(true);
  });

  it('a missing object: libbpf warning, "can\'t open objfile", exit 254 (-ENOENT)', async () => {
    const r = await run('iter', 'pin', '/nonexistent/x.bpf.o', '/sys/fs/bpf/x');
    expect(r).toEqual({
      status: 254,
      stdout: '',
      stderr:
        'libbpf: elf: failed to open /nonexistent/x.bpf.o: No such file or directory\n' +
        "Error: can't open objfile /nonexistent/x.bpf.o\n",
    });
  });

  it('in JSON mode the error is a JSON object on stdout', async () => {
    const r = await run('-j', 'iter', 'pin', '/nonexistent/x.bpf.o', '/sys/fs/bpf/x');
    expect(r.status).toBe(254);
    expect(r.stdout).toBe(`{"error":"can't open objfile /nonexistent/x.bpf.o"}\n`);
    const p = await run('-p', 'iter', 'pin', '/nonexistent/x.bpf.o', '/sys/fs/bpf/x');
    expect(p.stdout).toBe(`{\n    "error": "can't open objfile /nonexistent/x.bpf.o"\n}\n`);
  });

  it('iter, iter help: usage on stderr, exit 0 (even with -j, as bpftool 7.1)', async () => {
    for (const argv of [['iter'], ['iter', 'help'], ['iter', 'h']]) {
      expect(await run(...argv)).toMatchObject({
        status: 0,
        stdout: '',
        stderr: expect.stringMatching(/^Usage: bpftool-ts iter pin/),
      });
    }
    expect(await run('-j', 'iter', 'help')).toMatchObject({ status: 0, stdout: '\n' });
  });

  it('an unknown iter command prints the usage and exits 255', async () => {
    const r = await run('iter', 'frob');
    expect(r.status).toBe(255);
    expect(r.stderr.startsWith(ITER_USAGE)).toBe(true);
  });
});
