import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf } from '@tsbpf/bpf-vm';
import { Btf, encodeBtf } from '@tsbpf/btf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibbpfError } from './errors.js';
import { BpfObject } from './object.js';
import { type PrintFn, setPrint } from './print.js';
import { FakeSyscalls } from './testing/fakeSyscalls.js';

const FIXTURES = ['iter_multi.bpf.o', 'misc.bpf.o'].map(
  (f) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../test/fixtures/${f}`, import.meta.url)))),
);

let prev: PrintFn | null;
beforeAll(() => {
  prev = setPrint(null);
});
afterAll(() => {
  setPrint(prev);
});

describe('open fuzz', () => {
  it('corrupted objects are rejected with LibbpfError, never a crash', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let opened = 0;
    let rejected = 0;
    let loaded = 0;
    for (const good of FIXTURES) {
      // Aim at what libbpf reads: headers, symbols, relocations, BTF, program text and maps.
      const elf = parseElf(good);
      const kbtf = new Btf(BpfObject.openMemory(good, { legacyMaps: true }).btf!.types);
      const proto = kbtf.add({ kind: 'FUNC_PROTO', name: '', returnType: 0, params: [] });
      for (const n of ['bpf_iter_task', 'bpf_iter_task_file'])
        kbtf.add({ kind: 'FUNC', name: n, type: proto, linkage: 1 });
      const vmlinux = encodeBtf(kbtf);
      const ranges: [number, number][] = [[0, 64]];
      const shoff = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(40, true));
      ranges.push([shoff, shoff + elf.sections.length * 64]);
      for (const sec of elf.sections) {
        if (
          sec.name.startsWith('.debug') ||
          sec.name.startsWith('.rel.debug') ||
          sec.size === 0 ||
          sec.type === 8
        )
          continue;
        ranges.push([sec.offset, sec.offset + sec.size]);
      }
      for (let i = 0; i < 400; i++) {
        const m = good.slice();
        const flips = 1 + (rand() % 4);
        for (let f = 0; f < flips; f++) {
          const [a, b] = ranges[rand() % ranges.length]!;
          m[a + (rand() % (b - a))] = rand() & 0xff;
        }
        try {
          const obj = BpfObject.openMemory(m, { objectName: 'fuzz', legacyMaps: true });
          opened++;
          // The object's own BTF plays the kernel's: loading must fail cleanly or succeed.
          const sys = new FakeSyscalls();
          sys.files.set('/sys/kernel/btf/vmlinux', vmlinux);
          const mystery = obj.findProgramByName('mystery');
          if (mystery) mystery.autoload = false;
          try {
            obj.load({ syscalls: sys });
            loaded++;
          } catch (e) {
            if (!(e instanceof LibbpfError))
              throw new Error(`load of mutation ${i}: ${String((e as Error)?.stack ?? e)}`);
          }
          obj.close();
          expect(sys.openFds.size).toBe(0);
        } catch (e) {
          if (!(e instanceof LibbpfError))
            throw new Error(`mutation ${i}: ${String((e as Error)?.stack ?? e)}`);
          rejected++;
        }
      }
    }
    expect(opened + rejected).toBe(800);
    expect(rejected).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
  });
});
