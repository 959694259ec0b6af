import { describe, expect, it } from 'vitest';
import { createBufferIo } from './io.js';
import { formatJsonw, Output, prettyJsonText } from './output.js';

describe('Output (bpftool json_writer)', () => {
  it('separates top-level values with a comma and ends with one newline', () => {
    const buf = createBufferIo();
    const out = new Output(buf.io, true, false);
    out.error("'dump' needs at least 2 arguments, 0 found");
    out.value(null);
    out.finish();
    expect(buf.stdoutText()).toBe(`{"error":"'dump' needs at least 2 arguments, 0 found"},null\n`);
    expect(buf.stderrText()).toBe('');
  });

  it('writes only the newline when nothing was printed', () => {
    const buf = createBufferIo();
    const out = new Output(buf.io, true, false);
    out.finish();
    expect(buf.stdoutText()).toBe('\n');
  });

  it('is silent on stdout in plain mode; errors go to stderr', () => {
    const buf = createBufferIo();
    const out = new Output(buf.io, false, false);
    out.value({ a: 1 });
    out.error('boom');
    out.finish();
    expect(buf.stdoutText()).toBe('');
    expect(buf.stderrText()).toBe('Error: boom\n');
  });
});

describe('formatJsonw', () => {
  const v = {
    types: [
      { id: 1, kind: 'PTR', members: [] },
      { id: 2, vals: [1, 2] },
    ],
    e: {},
  };

  it('prints compact JSON without spaces', () => {
    expect(formatJsonw(v, false)).toBe(
      '{"types":[{"id":1,"kind":"PTR","members":[]},{"id":2,"vals":[1,2]}],"e":{}}',
    );
  });

  it('pretty-prints members on their own lines, array elements side by side', () => {
    expect(formatJsonw(v, true)).toBe(
      [
        '{',
        '    "types": [{',
        '            "id": 1,',
        '            "kind": "PTR",',
        '            "members": []',
        '        },{',
        '            "id": 2,',
        '            "vals": [1,2',
        '            ]',
        '        }',
        '    ],',
        '    "e": {}',
        '}',
      ].join('\n'),
    );
  });

  it('re-indents JSON text the same way, keeping u64 numbers exact', () => {
    expect(prettyJsonText(formatJsonw(v, false))).toBe(formatJsonw(v, true));
    expect(prettyJsonText('{"val":18446744073709551611,"s":"a,b:{c}"}')).toBe(
      '{\n    "val": 18446744073709551611,\n    "s": "a,b:{c}"\n}',
    );
  });

  it('escapes strings as jsonw_puts does', () => {
    expect(formatJsonw('a"b\\c\td\n', false)).toBe('"a\\"b\\\\c\\td\\n"');
  });
});
