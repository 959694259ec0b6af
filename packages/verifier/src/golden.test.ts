/**
 * Golden verdicts from Linux: every object in test/golden was loaded into a
 * real 6.18 kernel with `bpftool -d prog load` (test/golden/regen.sh); its
 * .expected file holds "accepted" or the line the kernel rejected it with,
 * and its .log the kernel's whole log. Our verifier must agree.
 *
 * Most programs touch only structs whose layout is Linux's in the small test
 * BTF (bpf_iter_meta, bpf_iter__task). The vmlinux_* ones are C built against
 * the recording kernel's vmlinux.h: they replay against that kernel's own BTF
 * (/sys/kernel/btf/vmlinux, same sha256) and are skipped anywhere else.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeInsns, parseElf } from '@tsbpf/bpf-vm';
import { type Btf, parseBtf } from '@tsbpf/btf';
import { describe, expect, it } from 'vitest';
import type { MapInfo, Platform } from './platform.js';
import { fakePlatform, seqPrintfProto, seqWriteProto } from './testing/fakePlatform.js';
import { traceLines } from './testing/logCompare.js';
import { verify } from './verify.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../test/golden');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.bpf.o'))
  .map((f) => f.slice(0, -'.bpf.o'.length))
  .sort();
const small = fakePlatform();

/** The recording kernel's BTF when this machine runs that kernel, else why not. */
function kernelBtf(): Btf | string {
  const path = '/sys/kernel/btf/vmlinux';
  if (!existsSync(path)) return `${path} is absent`;
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== readFileSync(join(dir, 'vmlinux.sha256'), 'utf8').trim())
    return 'the running kernel is not the recording one';
  return parseBtf(new Uint8Array(bytes));
}
const real = names.some((n) => n.startsWith('vmlinux_')) ? kernelBtf() : 'no vmlinux_ goldens';

/** bpf-iter's task target: ctx->task may be NULL; bpf_seq_printf / bpf_seq_write. */
function platformFor(name: string): Platform {
  if (!name.startsWith('vmlinux_')) return small;
  if (typeof real === 'string') throw new Error(real);
  const helpers = new Map([seqPrintfProto, seqWriteProto].map((h) => [h.func_id, h]));
  return {
    btf: real,
    resolveAttachTarget: () => ({
      funcName: 'bpf_iter_task',
      ctxArgs: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', btf_struct: 'task_struct' }],
    }),
    getHelperProto: (id) => helpers.get(id),
  };
}

/**
 * The program of an object as libbpf loads it: `ld_imm64` relocated to
 * .rodata becomes BPF_PSEUDO_MAP_VALUE of the object's .rodata map (named
 * as libbpf names it: 8 characters of the object name + ".rodata").
 */
function load(name: string) {
  const elf = parseElf(new Uint8Array(readFileSync(join(dir, `${name}.bpf.o`))));
  const sec = elf.sectionByName('iter/task');
  if (!sec) throw new Error(`${name}: no iter/task section`);
  const insns = decodeInsns(sec.data);
  const mainLen = insns.length;
  const rodata = elf.sectionByName('.rodata');
  const text = elf.sectionByName('.text');
  const relocs = elf.relocationsFor(sec.index);
  // subprograms in .text follow the main program, as libbpf appends them
  if (text && text.size > 0 && relocs.some((r) => elf.symbols[r.symbolIndex]?.shndx === text.index)) {
    insns.push(...decodeInsns(text.data));
  }
  for (const rel of relocs) {
    const sym = elf.symbols[rel.symbolIndex]!;
    const pc = rel.offset / 8;
    const insn = insns[pc]!;
    if (text && sym.shndx === text.index && insn.code === 0x85) {
      // bpf-to-bpf call: imm becomes the distance to the appended subprogram
      const target = mainLen + Number(sym.value) / 8 + insn.imm + 1;
      insns[pc] = { ...insn, src: 1, imm: target - pc - 1 };
    } else if (rodata && sym.shndx === rodata.index && insn.code === 0x18) {
      insns[pc + 1]!.imm = insn.imm + Number(sym.value);
      insns[pc] = { ...insn, src: 2, imm: 1 };
    } else {
      throw new Error(`${name}: unexpected relocation at ${pc}`);
    }
  }
  const map: MapInfo | undefined = rodata && {
    name: `${name.slice(0, 8)}.rodata`,
    mapType: 2,
    keySize: 4,
    valueSize: rodata.size,
    maxEntries: 1,
    flags: 0x80,
    frozen: true,
    mapAddr: 0xffff888104a3c000n,
    valueAddr: 0xffffc90000fd1000n,
    frozenValue: rodata.data,
  };
  const base = platformFor(name);
  const p: Platform = { ...base, getMap: () => map };
  const attachBtfId = base.btf.findByName('bpf_iter_task', 'FUNC')!;
  // bpftool -d asks for BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS
  return verify(
    { insns, progType: 26, expectedAttachType: 28, attachBtfId, gplCompatible: true, logLevel: 7 },
    p,
  );
}

describe('golden verdicts from the Linux 6.18 verifier', () => {
  it('has goldens', () => expect(names.length).toBeGreaterThanOrEqual(30));
  for (const name of names) {
    const skip = name.startsWith('vmlinux_') && typeof real === 'string' ? real : undefined;
    it.skipIf(skip !== undefined)(skip ? `${name} (skipped: ${skip})` : name, () => {
      const expected = readFileSync(join(dir, `${name}.expected`), 'utf8').trim();
      const r = load(name);
      if (expected === 'accepted') {
        expect(r.message, r.log).toBeUndefined();
        expect(r.ok).toBe(true);
      } else {
        expect(r.ok, r.log).toBe(false);
        expect(`rejected: ${r.message}`).toBe(expected);
        // the kernel's log holds the same line
        expect(readFileSync(join(dir, `${name}.log`), 'utf8').split('\n')).toContain(r.message);
      }
      // the instruction trace, states and statistics are the kernel's, line for line
      const kernel = readFileSync(join(dir, `${name}.log`), 'utf8');
      const ours = traceLines(r.log);
      const cut = kernel.indexOf('[... ');
      if (cut < 0) {
        expect(ours).toEqual(traceLines(kernel));
      } else {
        // regen.sh kept the head and the tail of a huge log
        const head = traceLines(kernel.slice(0, cut));
        const tail = traceLines(kernel.slice(kernel.indexOf('\n', cut) + 1));
        expect(head.length + tail.length).toBeGreaterThan(10);
        expect(ours.slice(0, head.length)).toEqual(head);
        expect(ours.slice(ours.length - tail.length)).toEqual(tail);
      }
    });
  }
});
