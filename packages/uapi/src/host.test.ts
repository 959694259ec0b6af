/**
 * Our tables against the machine's own: errno numbers and glibc's strerror
 * texts (through python3's errno/os modules), and the enum values of the
 * installed include/uapi/linux/bpf.h. Each part skips when the host lacks
 * the tool or header.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRNO, type Errno, STRERROR } from './errno.js';
import { BpfAttachType, BpfCmd, BpfLinkType, BpfMapType, BpfProgType } from './generated/enums.js';
import { BPF_FUNC } from './generated/helpers.js';

function hostErrno(): Record<string, [number, string]> | undefined {
  const script =
    'import errno, os, json\n' +
    "print(json.dumps({n: [getattr(errno, n), os.strerror(getattr(errno, n))] for n in dir(errno) if n.startswith('E')}))";
  try {
    return JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
  } catch {
    return undefined;
  }
}

const host = hostErrno();
const BPF_H = '/usr/include/linux/bpf.h';

/** `NAME = value` pairs of one enum in a C header, values resolved like the compiler does. */
function headerEnum(text: string, name: string): Map<string, number> {
  const body = text.match(new RegExp(`enum ${name} \\{([\\s\\S]*?)\\n\\};`))?.[1];
  const out = new Map<string, number>();
  if (!body) return out;
  let next = 0;
  for (const raw of body.split('\n')) {
    const line = raw
      .replace(/\/\*.*?\*\//g, '')
      .replace(/\/\/.*$/, '')
      .trim();
    const m = line.match(/^([A-Z0-9_]+)\s*(?:=\s*([^,]+))?,?$/);
    if (!m?.[1]) continue;
    const v = m[2]?.trim();
    const value = v === undefined ? next : (out.get(v) ?? Number(v));
    if (Number.isNaN(value)) continue;
    out.set(m[1], value);
    next = value + 1;
  }
  return out;
}

describe('errno against the host C library', () => {
  it.skipIf(!host)('every errno number and strerror text matches glibc', () => {
    for (const [name, code] of Object.entries(ERRNO) as [Errno, number][]) {
      if (name === 'ENOTSUPP') continue; // kernel-internal (524), unknown to libc
      expect([name, host?.[name]?.[0]]).toEqual([name, code]);
      expect([name, STRERROR[name]]).toEqual([name, host?.[name]?.[1]]);
    }
    expect(STRERROR.ENOTSUPP).toBe('Unknown error 524');
  });
});

describe('generated enums against the installed bpf.h', () => {
  const text = existsSync(BPF_H) ? readFileSync(BPF_H, 'utf8') : undefined;
  const cases: [string, Record<string, number>][] = [
    ['bpf_cmd', BpfCmd],
    ['bpf_prog_type', BpfProgType],
    ['bpf_attach_type', BpfAttachType],
    ['bpf_map_type', BpfMapType],
    ['bpf_link_type', BpfLinkType],
  ];
  it.skipIf(!text).each(cases)('enum %s: every name both know has the same value', (name, ours) => {
    const theirs = headerEnum(text ?? '', name);
    expect(theirs.size).toBeGreaterThan(5);
    let shared = 0;
    for (const [member, value] of theirs) {
      if (member.startsWith('__MAX')) continue;
      if (ours[member] === undefined) continue; // a newer header than the one we were generated from
      expect([member, ours[member]]).toEqual([member, value]);
      shared++;
    }
    expect(shared).toBeGreaterThan(theirs.size / 2);
  });

  it.skipIf(!text)("helper ids follow the header's FUNC_MAPPER order", () => {
    // Older headers list FN(name) in id order; newer ones spell FN(name, id, ##ctx).
    const mapper = text?.match(/#define _+BPF_FUNC_MAPPER\(FN[^)]*\)([\s\S]*?)\n\n/)?.[1] ?? '';
    const fns = [...mapper.matchAll(/FN\((\w+)(?:, (\d+), ##ctx)?\)/g)];
    expect(fns.length).toBeGreaterThan(150);
    fns.forEach(([, fn, id], index) => {
      const ourId = (BPF_FUNC as Record<string, number>)[fn as string];
      expect([fn, ourId]).toEqual([fn, id === undefined ? index : Number(id)]);
    });
  });
});
