/**
 * The iterator helpers bpf_seq_write (127) and bpf_seq_printf (126) as VM
 * helper functions, and their verifier prototypes (struct bpf_func_proto).
 * Both are GPL-only and offered only to BPF_TRACE_ITER programs.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/kernel/trace/bpf_trace.c (bpf_seq_printf, bpf_seq_write)
 */
import { type AddressSpace, type HelperEnv, type HelperFn, VmFault } from '@tsbpf/bpf-vm';
import { BPF_FUNC, BpfAttachType, ERRNO } from '@tsbpf/uapi';
import { type BprintfBuffers, bpfBprintfPrepare, bprintfFormat, MAX_BPRINTF_VARARGS } from './bprintf.js';
import type { SeqFile } from './seqFile.js';
import type { Symbolizer } from './vsprintf.js';

/** What an iterator program run passes to its helpers (`RunOptions.runContext`). */
export interface IterRunContext {
  /** The session's seq_file; `ctx->meta->seq` holds `seq.kaddr`. */
  seq: SeqFile<unknown>;
  userMemory?: AddressSpace;
  symbolize?: Symbolizer;
  kptrRestrict?: 0 | 1 | 2;
  buffers?: BprintfBuffers;
}

/** A helper prototype for the verifier, in Linux's terms (struct bpf_func_proto). */
export interface BpfFuncProto {
  func_id: number;
  name: string;
  gpl_only: boolean;
  ret_type: 'RET_INTEGER';
  /** ARG_* with type flags joined by '|', e.g. 'ARG_PTR_TO_MEM|MEM_RDONLY'. */
  arg_type: readonly string[];
  /** BTF struct names for ARG_PTR_TO_BTF_ID arguments, by argument index. */
  arg_btf_id?: readonly (string | undefined)[];
}

export const bpf_seq_printf_proto: BpfFuncProto = {
  func_id: BPF_FUNC.seq_printf,
  name: 'bpf_seq_printf',
  gpl_only: true,
  ret_type: 'RET_INTEGER',
  arg_type: [
    'ARG_PTR_TO_BTF_ID',
    'ARG_PTR_TO_MEM|MEM_RDONLY',
    'ARG_CONST_SIZE',
    'ARG_PTR_TO_MEM|PTR_MAYBE_NULL|MEM_RDONLY',
    'ARG_CONST_SIZE_OR_ZERO',
  ],
  arg_btf_id: ['seq_file'],
};

export const bpf_seq_write_proto: BpfFuncProto = {
  func_id: BPF_FUNC.seq_write,
  name: 'bpf_seq_write',
  gpl_only: true,
  ret_type: 'RET_INTEGER',
  arg_type: ['ARG_PTR_TO_BTF_ID', 'ARG_PTR_TO_MEM|MEM_RDONLY', 'ARG_CONST_SIZE_OR_ZERO'],
  arg_btf_id: ['seq_file'],
};

/**
 * The tracing_prog_func_proto() cases of the iterator helpers: the proto for
 * BPF_TRACE_ITER programs, null for every other attach type.
 */
export function bpfIterGetFuncProto(funcId: number, expectedAttachType: number): BpfFuncProto | null {
  if (expectedAttachType !== BpfAttachType.BPF_TRACE_ITER) return null;
  if (funcId === BPF_FUNC.seq_printf) return bpf_seq_printf_proto;
  if (funcId === BPF_FUNC.seq_write) return bpf_seq_write_proto;
  return null;
}

const ret = (n: number): bigint => BigInt.asUintN(64, BigInt(n));

function iterContext(env: HelperEnv, m: bigint): IterRunContext {
  const ctx = env.runContext as IterRunContext | undefined;
  const seq = ctx?.seq;
  if (!seq || (seq.kaddr !== 0n && seq.kaddr !== m)) {
    throw new VmFault(
      'memory',
      env.pc,
      `seq_file argument 0x${m.toString(16)} is not this iterator's seq_file`,
    );
  }
  return ctx;
}

function read(env: HelperEnv, addr: bigint, len: number): Uint8Array {
  try {
    return env.memory.readBytes(addr, len);
  } catch (cause) {
    throw new VmFault('memory', env.pc, `helper read of ${len} bytes at 0x${addr.toString(16)}`, { cause });
  }
}

/** long bpf_seq_write(struct seq_file *m, const void *data, u32 len) */
export const bpfSeqWrite: HelperFn = (env, m, data, len) => {
  const { seq } = iterContext(env, m);
  const bytes = read(env, data, Number(len & 0xffffffffn));
  return seq.write(bytes) ? ret(-ERRNO.EOVERFLOW) : 0n;
};

/** long bpf_seq_printf(struct seq_file *m, const char *fmt, u32 fmt_size, const void *data, u32 data_len) */
export const bpfSeqPrintf: HelperFn = (env, m, fmt, fmtSize, data, dataLen) => {
  const ctx = iterContext(env, m);
  const n = Number(dataLen & 0xffffffffn);
  if (n & 7 || n > MAX_BPRINTF_VARARGS * 8 || (n > 0 && data === 0n)) return ret(-ERRNO.EINVAL);
  const fmtBytes = read(env, fmt, Number(fmtSize & 0xffffffffn));
  const raw = n > 0 ? read(env, data, n) : new Uint8Array(0);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const args: bigint[] = [];
  for (let o = 0; o < n; o += 8) args.push(dv.getBigUint64(o, true));
  const benv = {
    memory: env.memory,
    ...(ctx.userMemory ? { userMemory: ctx.userMemory } : {}),
    ...(ctx.symbolize ? { symbolize: ctx.symbolize } : {}),
    ...(ctx.kptrRestrict !== undefined ? { kptrRestrict: ctx.kptrRestrict } : {}),
    ...(ctx.buffers ? { buffers: ctx.buffers } : {}),
  };
  const prepared = bpfBprintfPrepare(fmtBytes, args, benv);
  if (typeof prepared === 'number') return ret(prepared);
  ctx.seq.printf((limit) => bprintfFormat(prepared, benv, limit));
  return ctx.seq.hasOverflowed() ? ret(-ERRNO.EOVERFLOW) : 0n;
};

/** The iterator helpers by id, for PrepareOptions.helpers. */
export const bpfIterHelpers: ReadonlyMap<number, HelperFn> = new Map([
  [BPF_FUNC.seq_printf, bpfSeqPrintf],
  [BPF_FUNC.seq_write, bpfSeqWrite],
]);
