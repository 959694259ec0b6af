import { AddressSpace, type HelperEnv, Region, VmFault } from '@tsbpf/bpf-vm';
import { BPF_FUNC, BpfAttachType, ERRNO } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { bpfIterGetFuncProto, bpfIterHelpers, bpfSeqPrintf, bpfSeqWrite } from './helpers.js';
import { BPF_ITER_SEQ_BUF_SIZE, SeqFile } from './seqFile.js';

const enc = new TextEncoder();
const SEQ = 0xffff888000100000n;
const STACK = 0xffffc90000000000n;
const u64 = (n: number) => BigInt.asUintN(64, BigInt(n));

function setup() {
  const memory = new AddressSpace();
  const stack = memory.map(new Region('stack', STACK, new Uint8Array(512)));
  const seq = new SeqFile(
    { start: () => null, next: () => null, show: () => 0, stop: () => {} },
    undefined,
    SEQ,
  );
  seq.size = BPF_ITER_SEQ_BUF_SIZE;
  seq.buf = new Uint8Array(seq.size);
  const env: HelperEnv = { memory, runContext: { seq }, pc: 7 };
  const put = (off: number, bytes: Uint8Array) => stack.bytes.set(bytes, off);
  const putArgs = (off: number, args: bigint[]) => {
    for (const [i, a] of args.entries()) stack.view.setBigUint64(off + i * 8, a, true);
  };
  return { env, seq, put, putArgs };
}

describe('bpf_seq_write', () => {
  it('appends, returns 0; -EOVERFLOW marks the buffer full and later writes fail too', () => {
    const { env, seq, put } = setup();
    put(0, enc.encode('abcd'));
    expect(bpfSeqWrite(env, SEQ, STACK, 4n, 0n, 0n)).toBe(0n);
    expect(bpfSeqWrite(env, SEQ, STACK, 0n, 0n, 0n)).toBe(0n);
    expect(seq.count).toBe(4);
    seq.count = BPF_ITER_SEQ_BUF_SIZE - 4;
    // count + len must stay below the size.
    expect(bpfSeqWrite(env, SEQ, STACK, 4n, 0n, 0n)).toBe(u64(-ERRNO.EOVERFLOW));
    expect(seq.hasOverflowed()).toBe(true);
    expect(bpfSeqWrite(env, SEQ, STACK, 0n, 0n, 0n)).toBe(u64(-ERRNO.EOVERFLOW));
    expect(bpfSeqWrite(env, SEQ, STACK, 1n, 0n, 0n)).toBe(u64(-ERRNO.EOVERFLOW));
  });

  it('a seq_file pointer that is not the session one is a VM fault', () => {
    const { env } = setup();
    expect(() => bpfSeqWrite(env, SEQ + 8n, STACK, 1n, 0n, 0n)).toThrow(VmFault);
  });
});

describe('bpf_seq_printf', () => {
  it('formats into the seq_file', () => {
    const { env, seq, put, putArgs } = setup();
    put(0, enc.encode('%8d %s|\0'));
    put(64, enc.encode('comm\0'));
    putArgs(128, [u64(-3), STACK + 64n]);
    expect(bpfSeqPrintf(env, SEQ, STACK, 9n, STACK + 128n, 16n)).toBe(0n);
    expect(new TextDecoder().decode(seq.buffered())).toBe('      -3 comm|');
  });

  it('data_len checks: not a multiple of 8, more than 12 args, NULL data -> -EINVAL', () => {
    const { env, seq, put } = setup();
    put(0, enc.encode('%d\0'));
    const EINVAL = u64(-ERRNO.EINVAL);
    expect(bpfSeqPrintf(env, SEQ, STACK, 3n, STACK + 128n, 4n)).toBe(EINVAL);
    expect(bpfSeqPrintf(env, SEQ, STACK, 3n, STACK + 128n, 104n)).toBe(EINVAL);
    expect(bpfSeqPrintf(env, SEQ, STACK, 3n, 0n, 8n)).toBe(EINVAL);
    // 12 args are fine (observed), and extra arguments are ignored.
    expect(bpfSeqPrintf(env, SEQ, STACK, 3n, STACK + 128n, 96n)).toBe(0n);
    expect(new TextDecoder().decode(seq.buffered())).toBe('0');
  });

  it('rejected formats write nothing; an overflow returns -EOVERFLOW', () => {
    const { env, seq, put } = setup();
    put(0, enc.encode('%o\0'));
    expect(bpfSeqPrintf(env, SEQ, STACK, 3n, STACK + 128n, 8n)).toBe(u64(-ERRNO.EINVAL));
    expect(seq.count).toBe(0);
    put(0, enc.encode('%99999d\0'));
    expect(bpfSeqPrintf(env, SEQ, STACK, 8n, STACK + 128n, 8n)).toBe(u64(-ERRNO.EOVERFLOW));
    expect(seq.hasOverflowed()).toBe(true);
    put(0, enc.encode('x\0'));
    expect(bpfSeqPrintf(env, SEQ, STACK, 2n, 0n, 0n)).toBe(u64(-ERRNO.EOVERFLOW));
  });
});

describe('helper protos', () => {
  it('are offered only to BPF_TRACE_ITER programs, with Linux arg types', () => {
    const p = bpfIterGetFuncProto(BPF_FUNC.seq_printf, BpfAttachType.BPF_TRACE_ITER);
    expect(p?.arg_type).toEqual([
      'ARG_PTR_TO_BTF_ID',
      'ARG_PTR_TO_MEM|MEM_RDONLY',
      'ARG_CONST_SIZE',
      'ARG_PTR_TO_MEM|PTR_MAYBE_NULL|MEM_RDONLY',
      'ARG_CONST_SIZE_OR_ZERO',
    ]);
    expect(p?.gpl_only).toBe(true);
    expect(bpfIterGetFuncProto(BPF_FUNC.seq_write, BpfAttachType.BPF_TRACE_ITER)?.arg_type[2]).toBe(
      'ARG_CONST_SIZE_OR_ZERO',
    );
    expect(bpfIterGetFuncProto(BPF_FUNC.seq_write, BpfAttachType.BPF_TRACE_FENTRY)).toBeNull();
    expect([...bpfIterHelpers.keys()]).toEqual([126, 127]);
  });
});
