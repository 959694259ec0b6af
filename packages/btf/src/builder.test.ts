import { describe, expect, it } from 'vitest';
import { fixtureBtf } from '../test/loadCases.js';
import { BtfBuilder } from './builder.js';
import { checkBtfLoad } from './check.js';
import { dumpC } from './dumpC.js';
import { encodeBtf } from './encode.js';
import { parseBtf } from './parse.js';
import type { BtfComposite } from './types.js';

describe('BtfBuilder', () => {
  const clang = parseBtf(fixtureBtf());
  const clangStruct = (name: string) => clang.type(clang.findByName(name, 'STRUCT')!) as BtfComposite;

  it('lays out bitfields as clang does (struct bits)', () => {
    const b = new BtfBuilder();
    const uint = b.int('unsigned int', 4);
    const int = b.int('int', 4, { signed: true });
    const ull = b.int('unsigned long long', 8);
    const s8 = b.typedef('__s8', b.int('signed char', 1, { signed: true }));
    const bool = b.typedef('bool', b.int('_Bool', 1, { bool: true }));
    const id = b.struct('bits', [
      { name: 'a', type: uint, bits: 3 },
      { name: 'b', type: uint, bits: 5 },
      { name: 'c', type: int, bits: 7 },
      { name: 'd', type: ull, bits: 33 },
      { name: 'e', type: s8 },
      { name: 'f', type: bool, bits: 1 },
    ]);
    const got = b.btf.type(id) as BtfComposite;
    const want = clangStruct('bits');
    expect(got.size).toBe(want.size);
    expect(got.kflag).toBe(true);
    expect(got.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize])).toEqual(
      want.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
    );
  });

  it('lays out task_struct and a self-referencing list_head like clang', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    const char = b.int('char', 1, { signed: true });
    const ts = b.declare('STRUCT', 'task_struct');
    const comm = b.array(char, 16);
    ts.define([
      { name: 'pid', type: int },
      { name: 'tgid', type: int },
      { name: 'comm', type: comm },
      { name: 'parent', type: b.ptr(ts.id) },
    ]);
    const got = b.btf.type(ts.id) as BtfComposite;
    const want = clangStruct('task_struct');
    expect(got.size).toBe(want.size);
    expect(got.members.map((m) => m.bitOffset)).toEqual(want.members.map((m) => m.bitOffset));
    expect(b.btf.type(b.btf.findByName('__ARRAY_SIZE_TYPE__')!)).toMatchObject({
      kind: 'INT',
      size: 4,
      bits: 32,
    });
  });

  it('builds BTF the kernel accepts and that dumps to compilable-looking C', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    const long = b.int('long', 8, { signed: true });
    const node = b.declare('STRUCT', 'node');
    node.define([
      { name: 'val', type: int },
      { name: 'next', type: b.ptr(node.id) },
      { name: 'weight', type: long },
    ]);
    const e = b.enum('state', [
      ['IDLE', 0],
      ['BUSY', -1],
    ]);
    const proto = b.funcProto(int, [
      { name: 'n', type: b.ptr(node.id) },
      { name: 's', type: e },
    ]);
    b.func('visit', proto);
    const bytes = encodeBtf(b.btf);
    expect(checkBtfLoad(bytes, { logLevel: 1, logSize: 1 << 16 }).errno).toBeUndefined();
    const c = dumpC(parseBtf(bytes), { header: false });
    expect(c).toContain('struct node {\n\tint val;\n\tstruct node *next;\n\tlong weight;\n};');
    expect(c).toContain('enum state {\n\tIDLE = 0,\n\tBUSY = -1,\n};');
    expect((b.btf.type(node.id) as BtfComposite).size).toBe(24);
  });

  it('packed structs and unions', () => {
    const b = new BtfBuilder();
    const char = b.int('char', 1, { signed: true });
    const int = b.int('int', 4, { signed: true });
    const p = b.struct(
      'p',
      [
        { name: 'c', type: char },
        { name: 'i', type: int },
      ],
      { packed: true },
    );
    expect(b.btf.type(p)).toMatchObject({ size: 5, members: [{ bitOffset: 0 }, { bitOffset: 8 }] });
    const u = b.union('u', [
      { name: 'c', type: char },
      { name: 'i', type: int },
    ]);
    expect(b.btf.type(u)).toMatchObject({ size: 4, members: [{ bitOffset: 0 }, { bitOffset: 0 }] });
    expect(dumpC(b.btf, { header: false })).toContain('} __attribute__((packed));');
  });
});
