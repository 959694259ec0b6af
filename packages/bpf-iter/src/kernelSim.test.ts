/**
 * bpf-iter installed into a real kernel-sim kernel (default world). The
 * program is TypeScript that reads its ctx from kernel memory and calls the
 * real bpf_seq_printf, because bpf-vm has no engine yet; the tasks,
 * task_struct bytes, heap and helper registry are kernel-sim's.
 */
import * as vm from '@tsbpf/bpf-vm';
import { encodeInsns, type HelperEnv, type Insn } from '@tsbpf/bpf-vm';
import { Kernel } from '@tsbpf/kernel-sim';
import { BPF_FUNC, BpfAttachType, BpfProgType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { bpfSeqPrintf } from './helpers.js';
import { bpfIterExit, bpfIterInit } from './install.js';
import type { IterProg } from './kernelApi.js';
import { bpfIterOpenSession } from './session.js';

const enc = new TextEncoder();

function psProg(k: Kernel): IterProg {
  const layout = k.layout('task_struct');
  const pidOff = BigInt(layout.offsetOf('pid'));
  const tgidOff = BigInt(layout.offsetOf('tgid'));
  const commOff = BigInt(layout.offsetOf('comm'));
  const stack = k.allocBytes(512, 'stack');
  const prog: IterProg = {
    id: 1,
    tag: '0000000000000000',
    prog_type: 26,
    expected_attach_type: 28,
    attach_btf_id: k.btf.findByName('bpf_iter_task', 'FUNC') ?? 0,
    sleepable: false,
    run(ctx, runContext) {
      const env: HelperEnv = { memory: k.mem, runContext, pc: 0 };
      const seq = k.mem.load(k.mem.load(ctx, 8), 8);
      const task = k.mem.load(ctx + 8n, 8);
      const f = enc.encode(task === 0n ? 'end\n\0' : '%d %d %s\n\0');
      k.mem.writeBytes(stack, f);
      const args =
        task === 0n ? [] : [k.mem.load(task + tgidOff, 4), k.mem.load(task + pidOff, 4), task + commOff];
      for (const [i, a] of args.entries()) k.mem.store(stack + 256n + BigInt(8 * i), 8, a);
      const r = bpfSeqPrintf(env, seq, stack, BigInt(f.length), stack + 256n, BigInt(8 * args.length));
      return r === 0n ? 0n : 1n;
    },
    get() {},
    put() {},
  };
  return prog;
}

function readAll(file: { read(buf: Uint8Array): number }, n = 4096): string {
  let out = '';
  const buf = new Uint8Array(n);
  for (;;) {
    const r = file.read(buf);
    expect(r).toBeGreaterThanOrEqual(0);
    if (r === 0) return out;
    out += new TextDecoder().decode(buf.subarray(0, r));
  }
}

describe('bpfIterInit on kernel-sim', () => {
  it('task iterator over the default world: ps output in pid order equals k.tasks()', () => {
    const k = Kernel.boot();
    const sub = bpfIterInit(k);
    const prog = psProg(k);
    const reg = sub.targets.find('task');
    if (!reg) throw new Error('task target not registered');
    const file = bpfIterOpenSession(
      sub.state,
      sub.kernel,
      reg,
      prog,
      { task: { type: 'ALL', pid: 0 } },
      undefined,
      'anon',
    );
    const out = readAll(file);
    const tasks = k.tasks();
    expect(tasks.length).toBeGreaterThan(3);
    expect(out).toBe(`${tasks.map((t) => `${t.tgid} ${t.pid} ${t.comm}`).join('\n')}\nend\n`);
    file.release();
    bpfIterExit(sub);
  });

  it('a task forked between two reads of one session is visited (the walk resumes by pid number)', () => {
    const k = Kernel.boot();
    const sub = bpfIterInit(k);
    const reg = sub.targets.find('task');
    if (!reg) throw new Error('task target not registered');
    const file = bpfIterOpenSession(
      sub.state,
      sub.kernel,
      reg,
      psProg(k),
      { task: { type: 'ALL', pid: 0 } },
      undefined,
      'anon',
    );
    const first = new Uint8Array(1);
    expect(file.read(first)).toBe(1);
    const parent = k.tasks().find((t) => !t.isKthread);
    if (!parent) throw new Error('no user task');
    k.process(parent.pid).fork('latecomer');
    const out = String.fromCharCode(first[0]!) + readAll(file);
    const late = k.tasks().find((t) => t.comm === 'latecomer');
    expect(late).toBeDefined();
    expect(out).toContain(`${late?.tgid} ${late?.pid} latecomer\nend\n`);
    file.release();
  });
});

const hasEngine = typeof (vm as Record<string, unknown>).prepare === 'function';

describe('bpfIterInit on kernel-sim through bpf(2)', () => {
  // Needs @tsbpf/bpf-vm's prepare() (the VM engine) to run the program; skipped until it is exported.
  it.skipIf(!hasEngine)(
    'PROG_LOAD + LINK_CREATE + ITER_CREATE + read of a hand-assembled iter/task program',
    () => {
      const k = Kernel.boot();
      const sub = bpfIterInit(k);
      const user = k.tasks().find((t) => !t.isKthread);
      if (!user) throw new Error('no user task in the default world');
      const p = k.process(user.pid);
      const lit = (s: string) => new DataView(enc.encode(s).buffer).getInt32(0, true);
      // r6 = ctx->meta; r7 = ctx->task; r1 = meta->seq; write "tsk\n" per task, "end\n" in the final call.
      const insns: Insn[] = [
        { code: 0x79, dst: 6, src: 1, off: 0, imm: 0 },
        { code: 0x79, dst: 7, src: 1, off: 8, imm: 0 },
        { code: 0x79, dst: 1, src: 6, off: 0, imm: 0 },
        { code: 0x62, dst: 10, src: 0, off: -8, imm: lit('tsk\n') },
        { code: 0x55, dst: 7, src: 0, off: 1, imm: 0 },
        { code: 0x62, dst: 10, src: 0, off: -8, imm: lit('end\n') },
        { code: 0xbf, dst: 2, src: 10, off: 0, imm: 0 },
        { code: 0x07, dst: 2, src: 0, off: 0, imm: -8 },
        { code: 0xb7, dst: 3, src: 0, off: 0, imm: 4 },
        { code: 0x85, dst: 0, src: 0, off: 0, imm: BPF_FUNC.seq_write },
        { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
        { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
      ];
      const progFd = p.bpf('BPF_PROG_LOAD', {
        prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
        expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
        attach_btf_id: k.btf.findByName('bpf_iter_task', 'FUNC') ?? 0,
        insns: encodeInsns(insns),
        insn_cnt: insns.length,
        license: 'GPL',
      });
      const linkFd = p.bpf('BPF_LINK_CREATE', { prog_fd: progFd, attach_type: BpfAttachType.BPF_TRACE_ITER });
      const iterFd = p.bpf('BPF_ITER_CREATE', { link_fd: linkFd });
      let out = '';
      const buf = new Uint8Array(4096);
      for (let n = p.read(iterFd, buf); n > 0; n = p.read(iterFd, buf))
        out += new TextDecoder().decode(buf.subarray(0, n));
      expect(out).toBe(`${'tsk\n'.repeat(k.tasks().length)}end\n`);
      bpfIterExit(sub);
    },
  );
});
