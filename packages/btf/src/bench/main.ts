/**
 * `pnpm bench`: parse (and index) time for the host's vmlinux BTF, when
 * present, and for a generated blob of 150k types. Prints JSON lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BtfBuilder } from '../builder.js';
import { dumpC } from '../dumpC.js';
import { encodeBtf } from '../encode.js';
import { parseBtf } from '../parse.js';

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

function best(bytes: Uint8Array, runs: number) {
  let min = Number.POSITIVE_INFINITY;
  let types = 0;
  for (let i = 0; i < runs; i++) {
    const r = time(() => {
      const btf = parseBtf(bytes);
      // Indexing: the name index is built on first lookup.
      btf.findByName('task_struct', 'STRUCT');
      return btf;
    });
    min = Math.min(min, r.ms);
    types = r.value.types.length;
  }
  return { min, types };
}

function generated(n: number): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const long = b.int('long', 8, { signed: true });
  let prev = int;
  while (b.btf.types.length < n) {
    const i = b.btf.types.length;
    const p = b.ptr(prev);
    prev = b.struct(`gen_struct_${i}`, [
      { name: 'a', type: int },
      { name: 'b', type: long },
      { name: 'next', type: p },
      { name: `f${i % 97}`, type: int },
    ]);
    b.typedef(`gen_t_${i}`, prev);
  }
  return encodeBtf(b.btf);
}

const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const VMLINUX = '/sys/kernel/btf/vmlinux';
if (existsSync(VMLINUX)) {
  const bytes = new Uint8Array(readFileSync(VMLINUX));
  const { min, types } = best(bytes, 5);
  line({ bench: 'parse+index vmlinux', bytes: bytes.length, types, ms: +min.toFixed(1) });
  const btf = parseBtf(bytes);
  const c = time(() => dumpC(btf));
  line({ bench: 'dumpC vmlinux', chars: c.value.length, ms: +c.ms.toFixed(1) });
  const e = time(() => encodeBtf(btf));
  line({ bench: 'encode vmlinux', bytes: e.value.length, ms: +e.ms.toFixed(1) });
} else {
  line({ bench: 'parse+index vmlinux', skipped: `${VMLINUX} not present` });
}
const gen = generated(150_000);
const g = best(gen, 5);
line({ bench: 'parse+index generated', bytes: gen.length, types: g.types, ms: +g.min.toFixed(1) });
