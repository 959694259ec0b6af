/**
 * BTF blobs for checkBtfLoad, each one exercising a check of the kernel's
 * btf_parse: built with the type model, then (for malformed ones) patched.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Btf, type BtfType, encodeBtf, parseBtf } from '../src/index.js';
import { elfSection } from './elf.js';

export interface LoadCase {
  name: string;
  bytes: Uint8Array;
  level: number;
  size: number;
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixtureBtf(): Uint8Array {
  return elfSection(new Uint8Array(readFileSync(join(fixtures, 'types.bpf.o'))), '.BTF')!;
}

/** The fixture with DATASECs laid out as libbpf does before loading. */
export function fixedFixtureBtf(): Uint8Array {
  const btf = parseBtf(fixtureBtf());
  for (const t of btf.types) {
    if (t.kind !== 'DATASEC') continue;
    let off = 0;
    for (const v of t.vars) {
      v.size = btf.sizeof((btf.type(v.type) as { type: number }).type);
      v.offset = off;
      off += (v.size + 7) & ~7;
    }
    t.size = off;
  }
  return encodeBtf(btf);
}

const INT = (name: string, size = 4, bits = size * 8, encoding = 1): BtfType => ({
  kind: 'INT',
  name,
  size,
  encoding,
  offset: 0,
  bits,
});

function build(types: BtfType[]): Uint8Array {
  return encodeBtf(new Btf(types));
}

function patch(bytes: Uint8Array, off: number, value: number, width: 1 | 2 | 4 = 4): Uint8Array {
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  if (width === 1) dv.setUint8(off, value);
  else if (width === 2) dv.setUint16(off, value, true);
  else dv.setUint32(off, value >>> 0, true);
  return b;
}

/** xorshift32, for reproducible mutations. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function loadCases(): LoadCase[] {
  const cases: LoadCase[] = [];
  const add = (name: string, bytes: Uint8Array, level = 1, size = 1 << 16) =>
    cases.push({ name, bytes, level, size });
  const raw = fixtureBtf();
  const fixed = fixedFixtureBtf();
  add('fixture-datasec-size-0', raw);
  add('fixture-fixed', fixed);
  add('fixture-fixed-nolog', fixed, 0, 0);
  add('fixture-fixed-level2', fixed, 2);
  add('fixture-fixed-small-rotating', fixed, 1, 200);
  add('fixture-fixed-small-fixed', fixed, 1 | 8, 200);
  add('fixture-log-no-buffer', fixed, 1, 0);
  add('bad-log-level', fixed, 16);
  add('log-buf-without-level', fixed, 0, 100);
  // Header.
  add('short', fixed.slice(0, 6));
  add('bad-magic', patch(fixed, 0, 0x1234, 2));
  add('version-2', patch(fixed, 2, 2, 1));
  add('flags', patch(fixed, 3, 1, 1));
  add('hdr-len-huge', patch(fixed, 4, 1 << 20));
  add('no-data', fixed.slice(0, 24));
  add('str-len-short', patch(fixed, 20, new DataView(fixed.buffer).getUint32(20, true) - 4));
  add('type-len-unaligned', patch(patch(fixed, 12, 10), 16, 10));
  const bigEndian = parseBtf(fixed);
  bigEndian.littleEndian = false;
  add('big-endian', encodeBtf(bigEndian));
  const ext = new Uint8Array(fixed.length + 8);
  ext.set(fixed.slice(0, 24));
  ext[4] = 32;
  ext.set(fixed.slice(24), 32);
  add('hdr-len-32-zero', ext);
  add('hdr-len-32-nonzero', patch(ext, 28, 1, 1));
  // Types.
  const intT = INT('int');
  add('int-ok', build([intT]));
  add('int-kflag', patch(build([intT]), 24 + 4, (1 << 31) | (1 << 24)));
  add('int-bad-encoding', build([INT('int', 4, 32, 3)]));
  add('int-bits-over-size', build([INT('int', 2, 32)]));
  add('int-bits-128', build([INT('__int128', 16, 128)]));
  add('int-data-high-bits', patch(build([intT]), 24 + 12, 0x10000020));
  add('bad-kind', patch(build([intT]), 24 + 4, 25 << 24));
  add('name-offset-out', patch(build([intT]), 24, 9999));
  add('truncated-type', build([intT]).slice(0, 24 + 8));
  add(
    'void-member',
    build([
      intT,
      {
        kind: 'STRUCT',
        name: 's',
        size: 4,
        kflag: false,
        members: [{ name: 'a', type: 0, bitOffset: 0, bitfieldSize: 0 }],
      },
    ]),
  );
  const member = (name: string, type: number, bitOffset: number, bitfieldSize = 0) => ({
    name,
    type,
    bitOffset,
    bitfieldSize,
  });
  add(
    'struct-ok',
    build([
      intT,
      { kind: 'STRUCT', name: 's', size: 8, kflag: false, members: [member('a', 1, 0), member('b', 1, 32)] },
    ]),
  );
  add(
    'struct-offset-backwards',
    build([
      intT,
      { kind: 'STRUCT', name: 's', size: 8, kflag: false, members: [member('a', 1, 32), member('b', 1, 0)] },
    ]),
  );
  add(
    'struct-member-too-big',
    build([
      intT,
      { kind: 'STRUCT', name: 's', size: 4, kflag: false, members: [member('a', 1, 0), member('b', 1, 16)] },
    ]),
  );
  add(
    'struct-bad-name',
    build([intT, { kind: 'STRUCT', name: '1s', size: 4, kflag: false, members: [member('a', 1, 0)] }]),
  );
  add(
    'struct-bad-member-name',
    build([intT, { kind: 'STRUCT', name: 's', size: 4, kflag: false, members: [member('a-b', 1, 0)] }]),
  );
  add(
    'union-offset',
    build([
      intT,
      { kind: 'UNION', name: 'u', size: 8, kflag: false, members: [member('a', 1, 0), member('b', 1, 32)] },
    ]),
  );
  add(
    'bitfield-kflag-ok',
    build([
      intT,
      {
        kind: 'STRUCT',
        name: 's',
        size: 4,
        kflag: true,
        members: [member('a', 1, 0, 3), member('b', 1, 3, 29)],
      },
    ]),
  );
  add(
    'bitfield-too-wide',
    build([intT, { kind: 'STRUCT', name: 's', size: 8, kflag: true, members: [member('a', 1, 0, 33)] }]),
  );
  add(
    'bitfield-on-ptr',
    build([
      intT,
      { kind: 'PTR', name: '', type: 1 },
      { kind: 'STRUCT', name: 's', size: 8, kflag: true, members: [member('p', 2, 0, 3)] },
    ]),
  );
  add(
    'ptr-unaligned',
    build([
      intT,
      { kind: 'PTR', name: '', type: 1 },
      { kind: 'STRUCT', name: 's', size: 16, kflag: false, members: [member('p', 2, 4)] },
    ]),
  );
  add(
    'struct-embeds-self',
    build([{ kind: 'STRUCT', name: 's', size: 8, kflag: false, members: [member('s', 1, 0)] }]),
  );
  add(
    'typedef-loop',
    build([
      { kind: 'TYPEDEF', name: 'a', type: 2 },
      { kind: 'TYPEDEF', name: 'b', type: 1 },
    ]),
  );
  add(
    'ptr-loop',
    build([
      { kind: 'PTR', name: '', type: 2 },
      { kind: 'CONST', name: '', type: 1 },
    ]),
  );
  add(
    'self-ptr-struct-ok',
    build([
      { kind: 'PTR', name: '', type: 2 },
      { kind: 'STRUCT', name: 'n', size: 8, kflag: false, members: [member('next', 1, 0)] },
    ]),
  );
  const chain: BtfType[] = [intT];
  for (let i = 0; i < 40; i++) chain.push({ kind: 'TYPEDEF', name: `t${i}`, type: chain.length });
  add('typedef-chain-40', build(chain));
  add('typedef-bad-name', build([intT, { kind: 'TYPEDEF', name: '', type: 1 }]));
  add('const-with-name', build([intT, { kind: 'CONST', name: 'c', type: 1 }]));
  add('const-void', build([{ kind: 'CONST', name: '', type: 0 }]));
  add('ptr-to-missing', build([{ kind: 'PTR', name: '', type: 7 }]));
  add(
    'type-tag-after-const',
    build([
      intT,
      { kind: 'TYPE_TAG', name: 'user', type: 1 },
      { kind: 'CONST', name: '', type: 2 },
      { kind: 'TYPE_TAG', name: 'x', type: 3 },
      { kind: 'PTR', name: '', type: 4 },
    ]),
  );
  add(
    'type-tag-ok',
    build([intT, { kind: 'TYPE_TAG', name: 'user', type: 1 }, { kind: 'PTR', name: '', type: 2 }]),
  );
  add('array-ok', build([intT, { kind: 'ARRAY', name: '', type: 1, indexType: 1, nelems: 4 }]));
  add('array-named', build([intT, { kind: 'ARRAY', name: 'a', type: 1, indexType: 1, nelems: 4 }]));
  add('array-void-elem', build([intT, { kind: 'ARRAY', name: '', type: 0, indexType: 1, nelems: 4 }]));
  add(
    'array-overflow',
    build([intT, { kind: 'ARRAY', name: '', type: 1, indexType: 1, nelems: 0x7fffffff }]),
  );
  add(
    'array-index-not-int',
    build([
      intT,
      { kind: 'PTR', name: '', type: 1 },
      { kind: 'ARRAY', name: '', type: 1, indexType: 2, nelems: 4 },
    ]),
  );
  add(
    'array-of-bitfield-int',
    build([INT('u3', 1, 3, 0), INT('int'), { kind: 'ARRAY', name: '', type: 1, indexType: 2, nelems: 4 }]),
  );
  add(
    'enum-ok',
    build([
      {
        kind: 'ENUM',
        name: 'e',
        size: 4,
        signed: true,
        values: [
          { name: 'A', value: -1 },
          { name: 'B', value: 2 },
        ],
      },
    ]),
  );
  add(
    'enum-size-3',
    build([{ kind: 'ENUM', name: 'e', size: 3, signed: false, values: [{ name: 'A', value: 1 }] }]),
  );
  add(
    'enum-anon-value',
    build([{ kind: 'ENUM', name: 'e', size: 4, signed: false, values: [{ name: '', value: 1 }] }]),
  );
  add(
    'enum64-ok',
    build([
      { kind: 'ENUM64', name: 'e', size: 8, signed: false, values: [{ name: 'BIG', value: 1n << 40n }] },
    ]),
  );
  add('fwd-ok', build([{ kind: 'FWD', name: 'f', union: true }]));
  add('fwd-anon', build([{ kind: 'FWD', name: '', union: false }]));
  const proto = (params: { name: string; type: number }[], ret = 1): BtfType => ({
    kind: 'FUNC_PROTO',
    name: '',
    returnType: ret,
    params,
  });
  add(
    'func-ok',
    build([intT, proto([{ name: 'a', type: 1 }]), { kind: 'FUNC', name: 'f', type: 2, linkage: 1 }]),
  );
  add(
    'func-extern',
    build([intT, proto([{ name: 'a', type: 1 }]), { kind: 'FUNC', name: 'f', type: 2, linkage: 2 }]),
  );
  add(
    'func-unnamed-param',
    build([intT, proto([{ name: '', type: 1 }]), { kind: 'FUNC', name: 'f', type: 2, linkage: 0 }]),
  );
  add('func-not-proto', build([intT, { kind: 'FUNC', name: 'f', type: 1, linkage: 0 }]));
  add(
    'proto-vararg-ok',
    build([
      intT,
      proto([
        { name: 'a', type: 1 },
        { name: '', type: 0 },
      ]),
    ]),
  );
  add(
    'proto-vararg-named',
    build([
      intT,
      proto([
        { name: 'a', type: 1 },
        { name: 'x', type: 0 },
      ]),
    ]),
  );
  add(
    'proto-void-param',
    build([
      intT,
      proto([
        { name: 'a', type: 0 },
        { name: 'b', type: 1 },
      ]),
    ]),
  );
  add('proto-bad-return', build([intT, proto([], 9)]));
  add('var-ok', build([intT, { kind: 'VAR', name: 'v', type: 1, linkage: 1 }]));
  add('var-dotted-name', build([intT, { kind: 'VAR', name: 'a.b', type: 1, linkage: 0 }]));
  add('var-extern', build([intT, { kind: 'VAR', name: 'v', type: 1, linkage: 2 }]));
  add(
    'var-of-fwd',
    build([
      { kind: 'FWD', name: 'f', union: false },
      { kind: 'VAR', name: 'v', type: 1, linkage: 1 },
    ]),
  );
  const ds = (
    vars: { type: number; offset: number; size: number }[],
    size = 16,
    name = '.data',
  ): BtfType => ({ kind: 'DATASEC', name, size, vars });
  add(
    'datasec-ok',
    build([intT, { kind: 'VAR', name: 'v', type: 1, linkage: 1 }, ds([{ type: 2, offset: 0, size: 4 }])]),
  );
  add(
    'datasec-overlap',
    build([
      intT,
      { kind: 'VAR', name: 'v', type: 1, linkage: 1 },
      { kind: 'VAR', name: 'w', type: 1, linkage: 1 },
      ds([
        { type: 2, offset: 0, size: 4 },
        { type: 3, offset: 2, size: 4 },
      ]),
    ]),
  );
  add('datasec-not-var', build([intT, ds([{ type: 1, offset: 0, size: 4 }])]));
  add(
    'datasec-var-too-small',
    build([intT, { kind: 'VAR', name: 'v', type: 1, linkage: 1 }, ds([{ type: 2, offset: 0, size: 2 }])]),
  );
  add(
    'datasec-odd-name',
    build([
      intT,
      { kind: 'VAR', name: 'v', type: 1, linkage: 1 },
      ds([{ type: 2, offset: 0, size: 4 }], 16, '.data.a-b c'),
    ]),
  );
  add('float-ok', build([{ kind: 'FLOAT', name: 'double', size: 8 }]));
  add('float-size-3', build([{ kind: 'FLOAT', name: 'f', size: 3 }]));
  add(
    'float-member-misaligned',
    build([
      { kind: 'FLOAT', name: 'double', size: 8 },
      { kind: 'STRUCT', name: 's', size: 16, kflag: false, members: [member('d', 1, 32)] },
    ]),
  );
  add(
    'decl-tag-ok',
    build([
      intT,
      { kind: 'STRUCT', name: 's', size: 4, kflag: false, members: [member('a', 1, 0)] },
      { kind: 'DECL_TAG', name: 'tag', type: 2, componentIdx: 0 },
    ]),
  );
  add(
    'decl-tag-bad-idx',
    build([
      intT,
      { kind: 'STRUCT', name: 's', size: 4, kflag: false, members: [member('a', 1, 0)] },
      { kind: 'DECL_TAG', name: 'tag', type: 2, componentIdx: 1 },
    ]),
  );
  add('decl-tag-on-int', build([intT, { kind: 'DECL_TAG', name: 'tag', type: 1, componentIdx: -1 }]));
  add('decl-tag-idx-minus-2', build([intT, { kind: 'DECL_TAG', name: 'tag', type: 1, componentIdx: -2 }]));
  add('string-section-no-nul-start', patch(build([intT]), 24 + 16, 0x41, 1));
  // Reproducible random mutations of the loadable fixture.
  const r = rng(0x5eed);
  for (let i = 0; i < 300; i++) {
    const b = fixed.slice();
    const n = 1 + (r() % 4);
    // Mostly the type section (the string section is near the end).
    const limit = i % 10 === 0 ? b.length : new DataView(b.buffer).getUint32(16, true) + 24;
    for (let j = 0; j < n; j++) {
      const off = (i % 25 === 0 ? 0 : 24) + (r() % (limit - 24));
      b[off] = r() & 0xff;
    }
    add(`mutation-${i}`, b, 1, 400);
  }
  for (let i = 0; i < 10; i++) {
    const len = 24 + (r() % (fixed.length - 24));
    add(
      `truncation-${i}`,
      patch(fixed.slice(0, len), 20, Math.max(0, len - 24 - new DataView(fixed.buffer).getUint32(16, true))),
    );
  }
  return cases;
}
