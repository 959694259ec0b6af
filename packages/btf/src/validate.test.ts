import { describe, expect, it } from 'vitest';
import { fixtureBtf } from '../test/loadCases.js';
import { Btf } from './btf.js';
import { parseBtf } from './parse.js';
import { validateBtf } from './validate.js';

describe('validateBtf', () => {
  it('accepts clang BTF', () => {
    expect(() => validateBtf(parseBtf(fixtureBtf()))).not.toThrow();
  });
  it('names the bad reference', () => {
    const btf = new Btf([{ kind: 'PTR', name: '', type: 9 }]);
    expect(() => validateBtf(btf)).toThrow("type [1] PTR '': type references missing type 9");
    const f = new Btf([
      { kind: 'INT', name: 'int', size: 4, encoding: 1, offset: 0, bits: 32 },
      { kind: 'FUNC', name: 'f', type: 1, linkage: 1 },
    ]);
    expect(() => validateBtf(f)).toThrow("type [2] FUNC 'f': type 1 is not a FUNC_PROTO");
  });
});
