import { describe, expect, it } from 'vitest';
import { fixtureBtf } from '../test/loadCases.js';
import { BtfBuilder } from './builder.js';
import { parseBtf } from './parse.js';
import { essentialName, fieldsAreCompat, memberAt, resolveType, typesAreCompat } from './queries.js';

describe('queries on clang BTF', () => {
  const btf = parseBtf(fixtureBtf());
  const nested = btf.findByName('nested', 'STRUCT')!;

  it('finds members through anonymous unions and structs', () => {
    expect(memberAt(btf, nested, 0)).toMatchObject({ path: 'x', offset: 0, size: 4 });
    // union { struct { short lo, hi; }; int whole; } at byte 4: hi at 6
    expect(memberAt(btf, nested, 6)).toMatchObject({ path: 'hi', offset: 6, size: 2 });
    expect(memberAt(btf, nested, 9)).toMatchObject({ path: 'named.tag[1]', offset: 9, size: 1 });
  });

  it('walks multi-dimensional arrays of structs down to bitfields', () => {
    // bits[2][3] of struct bits (8 bytes) at 104: [1][2] starts at 104 + 5*8 = 144
    const m = memberAt(btf, nested, 144)!;
    expect(m.path).toBe('bits[1][2].a');
    expect(m.bitfield).toEqual({ bitOffset: 0, bits: 3 });
    expect(memberAt(btf, nested, 150)).toMatchObject({ path: 'bits[1][2].e', size: 1 });
  });

  it('maps offsets past the end into the flexible array', () => {
    expect(memberAt(btf, nested, 152 + 7)).toMatchObject({ path: 'flex[7]', offset: 159, size: 1 });
  });

  it('stops at a pointer and reports padding as undefined', () => {
    const m = memberAt(btf, nested, 24)!;
    expect(m.path).toBe('op');
    expect(btf.type(m.typeId).kind).toBe('PTR');
    const t = btf.findByName('task_struct', 'STRUCT')!;
    expect(memberAt(btf, nested, 12)).toBeUndefined();
    expect(memberAt(btf, t, 32)).toBeUndefined();
    expect(btf.memberAt(t, 24)?.path).toBe('parent');
  });

  it('alignof / resolveSize / resolveType', () => {
    expect(btf.alignof(nested)).toBe(8);
    expect(btf.resolveSize(btf.findByName('bss_arr', 'VAR')!)).toBe(32);
    expect(resolveType(btf, btf.findByName('nested_t', 'TYPEDEF')!).id).toBe(nested);
  });
});

describe('CO-RE compatibility', () => {
  const local = new BtfBuilder();
  const lInt = local.int('int', 4, { signed: true });
  const lTask = local.struct('task_struct___local', [{ name: 'pid', type: lInt }]);
  const lPtr = local.ptr(lTask);
  const lEnum = local.enum('state___v2', [['A', 1]]);
  const target = parseBtf(fixtureBtf());
  const tTask = target.findByName('task_struct', 'STRUCT')!;
  const tPtr = target.findByName('global_nested', 'VAR')!;

  it('essentialName strips flavors', () => {
    expect(essentialName('task_struct___local')).toBe('task_struct');
    expect(essentialName('___x')).toBe('___x');
  });
  it('essentialName cuts at the last X___Y separator only, like libbpf', () => {
    expect(essentialName('a___b___c')).toBe('a___b');
    expect(essentialName('foo____bar')).toBe('foo____bar');
    expect(essentialName('foo___')).toBe('foo___');
    expect(essentialName('a___')).toBe('a___');
    expect(essentialName('x___y')).toBe('x');
  });
  it('fields: an anonymous enum matches any enum', () => {
    const l = new BtfBuilder();
    const anon = l.enum('', [['RED', 0]]);
    expect(fieldsAreCompat(l.btf, anon, target, target.findByName('color', 'ENUM')!)).toBe(true);
  });
  it('types: structs by kind, pointers recursively, mismatched kinds fail', () => {
    expect(typesAreCompat(local.btf, lTask, target, tTask)).toBe(true);
    expect(
      typesAreCompat(
        local.btf,
        lPtr,
        target,
        target.type(tPtr).kind === 'VAR' ? (target.type(tPtr) as { type: number }).type : 0,
      ),
    ).toBe(true);
    expect(typesAreCompat(local.btf, lInt, target, tTask)).toBe(false);
  });
  it('fields: enums by essential name, ints by kind', () => {
    const color = target.findByName('color', 'ENUM')!;
    expect(fieldsAreCompat(local.btf, lEnum, target, color)).toBe(false);
    const l2 = new BtfBuilder();
    const e = l2.enum('color___old', [['RED', 0]]);
    expect(fieldsAreCompat(l2.btf, e, target, color)).toBe(true);
    expect(fieldsAreCompat(local.btf, lInt, target, target.findByName('long', 'INT')!)).toBe(true);
  });
});
