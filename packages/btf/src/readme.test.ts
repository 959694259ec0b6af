// The example of README.md, kept compiling and passing.
import { expect, it } from 'vitest';
import { BtfBuilder, checkBtfLoad, dumpC, dumpRaw, encodeBtf, parseBtf } from './index.js';

it('README example', () => {
  // Declare types as clang would emit them.
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const task = b.declare('STRUCT', 'task_struct');
  task.define([
    { name: 'pid', type: int },
    { name: 'parent', type: b.ptr(task.id) },
  ]);

  // Encode, load-check as the kernel would, parse back.
  const bytes = encodeBtf(b.btf);
  expect(checkBtfLoad(bytes, { logLevel: 1, logSize: 4096 }).errno).toBeUndefined();
  const btf = parseBtf(bytes);

  // Query and dump like bpftool.
  expect(btf.memberAt(task.id, 8)?.path).toBe('parent');
  expect(dumpRaw(btf)).toBe(
    "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n" +
      "[2] STRUCT 'task_struct' size=16 vlen=2\n\t'pid' type_id=1 bits_offset=0\n\t'parent' type_id=3 bits_offset=64\n" +
      "[3] PTR '(anon)' type_id=2\n",
  );
  expect(dumpC(btf)).toContain('struct task_struct {\n\tint pid;\n\tstruct task_struct *parent;\n};');
});
