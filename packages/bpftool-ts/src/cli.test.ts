import { describe, expect, it } from 'vitest';
import { parseGlobalOptions } from './cli.js';
import { run } from './testing/run.js';

const USAGE_HEAD = 'Usage: bpftool-ts [OPTIONS] OBJECT { COMMAND | help }\n';

describe('bpftool-ts main', () => {
  it('prints the usage on stderr and exits 0 without an object (bpftool runs help)', async () => {
    const r = await run();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(USAGE_HEAD)).toBe(true);
    expect(r.stderr).toContain('OBJECT := { prog | link | btf | iter | cat | rm }');
  });

  it('help and -h exit 0 with the usage', async () => {
    for (const argv of [['help'], ['-h'], ['--help'], ['he']]) {
      const r = await run(...argv);
      expect(r.status, argv.join(' ')).toBe(0);
      expect(r.stderr.startsWith(USAGE_HEAD)).toBe(true);
    }
  });

  it('answers an unknown object with the usage and exit 255', async () => {
    const r = await run('frobnicate');
    expect(r).toMatchObject({ status: 255, stdout: '' });
    expect(r.stderr.startsWith(USAGE_HEAD)).toBe(true);
  });

  it('prints null in JSON mode instead of the usage', async () => {
    expect(await run('-j')).toEqual({ status: 0, stdout: 'null\n', stderr: '' });
    expect(await run('-j', 'frobnicate')).toEqual({ status: 255, stdout: 'null\n', stderr: '' });
  });

  it('reports an unknown option as bpftool does: Error + usage, or JSON only', async () => {
    const r = await run('--bogus');
    expect(r.status).toBe(255);
    expect(r.stderr.startsWith(`Error: unrecognized option '--bogus'\n${USAGE_HEAD}`)).toBe(true);
    expect(await run('-j', '--bogus')).toEqual({
      status: 255,
      stdout: `{"error":"unrecognized option '--bogus'"}\n`,
      stderr: '',
    });
    // getopt takes -jx letter by letter: -j applies before x fails.
    expect(await run('-jx')).toEqual({
      status: 255,
      stdout: `{"error":"unrecognized option '-jx'"}\n`,
      stderr: '',
    });
    // An option missing its argument is reported by its name.
    expect((await run('-B')).stderr.startsWith("Error: unrecognized option '-B'\n")).toBe(true);
  });

  it('selects objects and commands by prefix, first in table order', async () => {
    // `it p` is `iter pin`; bpftool names the word as typed.
    const r = await run('it', 'p');
    expect(r.status).toBe(255);
    expect(
      r.stderr.startsWith("Error: 'p' needs at least 2 arguments, 0 found\nUsage: bpftool-ts iter pin"),
    ).toBe(true);
    // `b d` is `btf dump`; `p l` is `prog load`.
    expect((await run('b', 'd')).stderr.startsWith("Error: 'd' needs at least 2 arguments, 0 found\n")).toBe(
      true,
    );
    expect(await run('p', 'l')).toEqual({
      status: 255,
      stdout: '',
      stderr: "Error: 'l' needs at least 2 arguments, 0 found\n",
    });
  });

  it('prints its version, as text and as JSON', async () => {
    const v = await run('-V');
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^bpftool-ts v\d+\.\d+\.\d+\nusing libbpf-ts v\d+\.\d+\.\d+\n/);
    const j = await run('-j', 'version');
    expect(JSON.parse(j.stdout)).toMatchObject({
      version: expect.any(String),
      libbpf_version: expect.any(String),
    });
  });
});

describe('parseGlobalOptions', () => {
  it('stops at the first non-option word and keeps the rest', () => {
    const p = parseGlobalOptions(['-j', '--state-dir', '/s', 'iter', 'pin', '-x']);
    expect(p.options).toMatchObject({ json: true, pretty: false, stateDir: '/s' });
    expect(p.rest).toEqual(['iter', 'pin', '-x']);
  });

  it('takes --opt=value, -p as pretty JSON and combined letters', () => {
    expect(parseGlobalOptions(['--state-dir=/x', 'cat']).options.stateDir).toBe('/x');
    expect(parseGlobalOptions(['-p']).options).toMatchObject({ json: true, pretty: true });
    expect(parseGlobalOptions(['-jd']).options).toMatchObject({ json: true, debug: true });
    expect(parseGlobalOptions(['-B', 'base', 'btf']).options.baseBtf).toBe('base');
  });
});
