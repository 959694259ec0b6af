/** A BTF with the kinds and flags clang 14 does not emit, for bpftool comparisons. */
import { BtfBuilder } from '../src/builder.js';
import { encodeBtf } from '../src/encode.js';

export function kindsBtf(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const char = b.int('char', 1, { signed: true });
  const ull = b.int('unsigned long long', 8);
  const long = b.int('long', 8, { signed: true });
  b.enum64('big', [
    ['BIG_A', 1n << 40n],
    ['BIG_B', 0xffffffffffffffffn],
  ]);
  b.enum64('sbig', [
    ['SB_NEG', -5n],
    ['SB_POS', 1n << 35n],
  ]);
  b.enum64('small64', [['S64_A', 7n]]);
  b.enum('tiny', [['T_A', 1]], { size: 1 });
  b.enum('neg', [
    ['N_A', -2],
    ['N_B', 3],
  ]);
  const packed = b.struct(
    'packed_s',
    [
      { name: 'c', type: char },
      { name: 'l', type: long },
    ],
    { packed: true },
  );
  const gap = b.struct(
    'gappy',
    [
      { name: 'a', type: char, bitOffset: 0 },
      { name: 'b', type: long, bitOffset: 128 },
      { name: 'c', type: int, bits: 3, bitOffset: 192 },
      { name: 'd', type: int, bits: 4, bitOffset: 224 },
    ],
    { size: 40 },
  );
  const fn = b.funcProto(int, [{ name: 'p', type: b.ptr(packed) }], true);
  b.func('ext_fn', fn, 2);
  b.func('static_fn', b.funcProto(0, []), 0);
  const attrTag = b.add({ kind: 'TYPE_TAG', name: 'address_space(1)', type: int, attr: true });
  b.struct('tagged', [
    { name: 'p', type: b.ptr(attrTag) },
    { name: 'q', type: b.ptr(b.typeTag('rcu', char)) },
    { name: 'g', type: gap },
    { name: 'u', type: ull },
  ]);
  b.fwd('later_union', true);
  b.typedef('__builtin_va_list', b.ptr(char));
  const v = b.variable('ext_var', int, 2);
  const w = b.variable('stat_var', long, 0);
  b.datasec('.data.x', [
    { type: w, offset: 0, size: 8 },
    { type: v, offset: 8, size: 4 },
  ]);
  b.declTag('attr_tag', v, -1);
  return encodeBtf(b.btf);
}
