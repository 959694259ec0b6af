import fs from 'node:fs';
import path from 'node:path';
import { BtfBuilder, encodeBtf } from '@tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { run, runIn, tempDir } from '../testing/run.js';

/** A raw BTF file with an int, a struct and an enum64 holding a u64 beyond 2^53. */
function rawBtfFile(): string {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  b.struct('point', [
    { name: 'x', type: int },
    { name: 'y', type: int },
  ]);
  b.enum64('big', [['BIG_MAX', 18446744073709551611n]]);
  const file = path.join(tempDir(), 'types.btf');
  fs.writeFileSync(file, encodeBtf(b.btf));
  return file;
}

describe('btf dump', () => {
  it('dumps a raw BTF file (raw, c, JSON)', async () => {
    const file = rawBtfFile();
    const raw = await run('btf', 'dump', 'file', file);
    expect(raw.status).toBe(0);
    expect(raw.stdout).toContain(
      "[2] STRUCT 'point' size=8 vlen=2\n\t'x' type_id=1 bits_offset=0\n\t'y' type_id=1 bits_offset=32\n",
    );
    const c = await run('btf', 'dump', 'file', file, 'format', 'c');
    expect(c.stdout).toContain('struct point {\n\tint x;\n\tint y;\n};\n');
    const j = await run('-j', 'btf', 'dump', 'file', file);
    // The u64 enum value is printed exactly (not rounded through a double).
    expect(j.stdout).toContain('"val":18446744073709551611');
    expect(j.stdout.endsWith('}\n')).toBe(true);
    const p = await run('-p', 'btf', 'dump', 'file', file);
    expect(p.stdout.startsWith('{\n    "types": [{\n            "id": 1,\n')).toBe(true);
    expect(p.stdout).toContain('"val": 18446744073709551611');
  });

  it('REQ_ARGS: error then usage; -j: the error and the null of help', async () => {
    const r = await run('btf', 'dump');
    expect(r.status).toBe(255);
    expect(
      r.stderr.startsWith("Error: 'dump' needs at least 2 arguments, 0 found\nUsage: bpftool-ts btf dump"),
    ).toBe(true);
    expect(await run('-j', 'btf', 'dump', 'file')).toEqual({
      status: 255,
      stdout: `{"error":"'dump' needs at least 2 arguments, 1 found"},null\n`,
      stderr: '',
    });
  });

  it("rejects sources, formats and options with bpftool's messages and statuses", async () => {
    const file = rawBtfFile();
    expect(await run('btf', 'dump', 'id', '1')).toMatchObject({
      status: 255,
      stderr: "Error: unrecognized BTF source specifier: 'id'\n",
    });
    // Formats are exact words (strcmp): -EINVAL.
    expect(await run('btf', 'dump', 'file', file, 'format', 'r')).toMatchObject({
      status: 234,
      stderr: "Error: unrecognized format specifier: 'r', possible values: raw, c\n",
    });
    expect(await run('-j', 'btf', 'dump', 'file', file, 'format', 'c')).toEqual({
      status: 161, // -EOPNOTSUPP
      stdout: '{"error":"JSON output for C-syntax dump is not supported"}\n',
      stderr: '',
    });
  });

  it('fails to load BTF as libbpf does: ENOENT, EIO, LIBBPF_ERRNO__FORMAT', async () => {
    const dir = tempDir();
    expect(await runIn(dir, 'btf', 'dump', 'file', '/nonexistent')).toMatchObject({
      status: 254,
      stderr: 'Error: failed to load BTF from /nonexistent: No such file or directory\n',
    });
    expect(await runIn(dir, 'btf', 'dump', 'file', dir)).toMatchObject({
      status: 251,
      stderr: `Error: failed to load BTF from ${dir}: Input/output error\n`,
    });
    const text = path.join(dir, 'hello.txt');
    fs.writeFileSync(text, 'hello\n');
    expect(await runIn(dir, 'btf', 'dump', 'file', text)).toMatchObject({
      status: 95,
      stderr: `libbpf: failed to get EHDR from ${text}\nError: failed to load BTF from ${text}: Unknown error 4001\n`,
    });
  });

  it('reads /sys paths from the simulated machine', async () => {
    const r = await run('btf', 'dump', 'file', '/sys/kernel/btf/vmlinux');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\[\d+\] STRUCT 'task_struct' size=\d+ vlen=\d+$/m);
  });
});
