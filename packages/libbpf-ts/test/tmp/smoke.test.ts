import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { BpfObject, setPrint } from '../../src/index.js';
import { FakeSyscalls } from '../../src/testing/fakeSyscalls.js';
it('smoke', () => {
  const lines: string[] = [];
  setPrint((l, m) => lines.push(m));
  const sys = new FakeSyscalls();
  sys.files.set('/sys/kernel/btf/vmlinux', new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  const path = process.env.OBJ!;
  const obj = BpfObject.openFile(path, { syscalls: sys });
  try { obj.load(); } catch (e) { lines.push('ERR ' + String(e)); }
  console.log(lines.join(''));
  for (const c of sys.calls) console.log(c.cmd, JSON.stringify(c.attr, (k, v) => (v instanceof Uint8Array ? `<${v.length}b>` : typeof v === 'bigint' ? String(v) : v)).slice(0, 300));
});
