import { encodeInsns, type Insn } from '@tsbpf/bpf-vm';
import { BpfAttachType, BpfError, BpfProgType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));

function iterKernel() {
  const k = Kernel.boot();
  k.bpf.registerAttachTarget(
    BpfProgType.BPF_PROG_TYPE_TRACING,
    BpfAttachType.BPF_TRACE_ITER,
    // Like bpf-iter's resolver, this one does not repeat the FUNC's name: the kernel knows it.
    () => ({
      ctxArgs: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', btf_struct: 'task_struct' }],
    }),
  );
  return k;
}

/** r2 = ctx->task; if (!r2) goto out; r3 = r2->pid (unless unchecked); out: r0 = 0; exit */
function taskProg(k: Kernel, checked: boolean): Insn[] {
  const pid = k.layout('task_struct').offsetOf('pid');
  return [
    { code: 0x79, dst: 2, src: 1, off: 8, imm: 0 },
    ...(checked ? [{ code: 0x15, dst: 2, src: 0, off: 1, imm: 0 }] : []),
    { code: 0x61, dst: 3, src: 2, off: pid, imm: 0 },
    { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
    { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ];
}

describe('BPF_PROG_LOAD through @tsbpf/verifier', () => {
  const load = (k: Kernel, insns: Insn[], log: Uint8Array, size = log.length) => {
    const attr = {
      prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
      expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
      attach_btf_id: k.btf.findByName('bpf_iter_task', 'FUNC')!,
      insns: encodeInsns(insns),
      insn_cnt: insns.length,
      license: 'GPL',
      log_level: 1,
      log_buf: log,
      log_size: size,
    };
    try {
      k.process(421).bpf('BPF_PROG_LOAD', attr);
      return { errno: 'OK', trueSize: (attr as { log_true_size?: number }).log_true_size };
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      return { errno: e.errno, trueSize: (attr as { log_true_size?: number }).log_true_size };
    }
  };

  it('accepts a NULL-checked ctx->task dereference (ctx typing from the attach target)', () => {
    const k = iterKernel();
    const log = new Uint8Array(4096);
    expect(load(k, taskProg(k, true), log).errno).toBe('OK');
    expect(text(log)).toMatch(/^processed \d+ insns/m);
    expect(k.bpfIds.progs.get(1)!.attachTarget?.funcName).toBe('bpf_iter_task');
  });

  it('rejects the unchecked dereference with EACCES and the verifier log', () => {
    const k = iterKernel();
    const log = new Uint8Array(4096);
    expect(load(k, taskProg(k, false), log).errno).toBe('EACCES');
    expect(text(log)).toContain("invalid mem access 'trusted_ptr_or_null_'");
    expect(k.bpfIds.progs.get(1)).toBeUndefined();
  });

  it('a verified program whose log did not fit fails with ENOSPC and reports log_true_size', () => {
    const k = iterKernel();
    const big = new Uint8Array(4096);
    const full = load(k, taskProg(k, true), big);
    const small = new Uint8Array(16);
    const r = load(k, taskProg(k, true), small);
    expect(r.errno).toBe('ENOSPC');
    expect(r.trueSize).toBe(full.trueSize);
    expect(text(small)).toBe(text(big).slice(-15));
  });
});
