/** A small hand-built kernel BTF + platform for tests (task_struct, seq_file, bpf_iter_meta, bpf_iter__task). */
import { Btf } from '@tsbpf/btf';
import { BPF_FUNC } from '@tsbpf/uapi';
import type { HelperProto, MapInfo, Platform } from '../platform.js';

export function fakeBtf(): Btf {
  const b = new Btf();
  const int = b.add({ kind: 'INT', name: 'int', size: 4, encoding: 1, offset: 0, bits: 32 });
  const u64 = b.add({ kind: 'INT', name: 'unsigned long long', size: 8, encoding: 0, offset: 0, bits: 64 });
  const char = b.add({ kind: 'INT', name: 'char', size: 1, encoding: 2, offset: 0, bits: 8 });
  const seqFile = b.add({ kind: 'STRUCT', name: 'seq_file', size: 120, kflag: false, members: [] });
  const seqPtr = b.add({ kind: 'PTR', name: '', type: seqFile });
  const task = b.add({ kind: 'STRUCT', name: 'task_struct', size: 64, kflag: false, members: [] });
  const taskPtr = b.add({ kind: 'PTR', name: '', type: task });
  const comm = b.add({ kind: 'ARRAY', name: '', type: char, indexType: int, nelems: 16 });
  const t = b.type(task);
  if (t.kind === 'STRUCT') {
    t.members.push(
      { name: 'state', type: u64, bitOffset: 0, bitfieldSize: 0 },
      { name: 'pid', type: int, bitOffset: 64, bitfieldSize: 0 },
      { name: 'tgid', type: int, bitOffset: 96, bitfieldSize: 0 },
      { name: 'real_parent', type: taskPtr, bitOffset: 128, bitfieldSize: 0 },
      { name: 'files', type: seqPtr, bitOffset: 192, bitfieldSize: 0 },
      { name: 'comm', type: comm, bitOffset: 256, bitfieldSize: 0 },
    );
  }
  const meta = b.add({
    kind: 'STRUCT',
    name: 'bpf_iter_meta',
    size: 24,
    kflag: false,
    members: [
      { name: 'seq', type: seqPtr, bitOffset: 0, bitfieldSize: 0 },
      { name: 'session_id', type: u64, bitOffset: 64, bitfieldSize: 0 },
      { name: 'seq_num', type: u64, bitOffset: 128, bitfieldSize: 0 },
    ],
  });
  const metaPtr = b.add({ kind: 'PTR', name: '', type: meta });
  b.add({
    kind: 'STRUCT',
    name: 'bpf_iter__task',
    size: 16,
    kflag: false,
    members: [
      { name: 'meta', type: metaPtr, bitOffset: 0, bitfieldSize: 0 },
      { name: 'task', type: taskPtr, bitOffset: 64, bitfieldSize: 0 },
    ],
  });
  const proto = b.add({
    kind: 'FUNC_PROTO',
    name: '',
    returnType: int,
    params: [
      { name: 'meta', type: metaPtr },
      { name: 'task', type: taskPtr },
    ],
  });
  b.add({ kind: 'FUNC', name: 'bpf_iter_task', type: proto, linkage: 1 });
  return b;
}

export const seqPrintfProto: HelperProto = {
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
export const seqWriteProto: HelperProto = {
  func_id: BPF_FUNC.seq_write,
  name: 'bpf_seq_write',
  gpl_only: true,
  ret_type: 'RET_INTEGER',
  arg_type: ['ARG_PTR_TO_BTF_ID', 'ARG_PTR_TO_MEM|MEM_RDONLY', 'ARG_CONST_SIZE_OR_ZERO'],
  arg_btf_id: ['seq_file'],
};
export const ktimeProto: HelperProto = {
  func_id: 5,
  name: 'bpf_ktime_get_ns',
  gpl_only: false,
  ret_type: 'RET_INTEGER',
  arg_type: [],
};

export const rodata: MapInfo = {
  name: 'iter_tas.rodata',
  mapType: 2,
  keySize: 4,
  valueSize: 61,
  maxEntries: 1,
  flags: 0x80,
  frozen: true,
  mapAddr: 0xffff888100001000n,
  valueAddr: 0xffffc90000f26000n,
};

export interface FakeOptions {
  helpers?: HelperProto[];
}

export function fakePlatform(opts: FakeOptions = {}): Platform {
  const btf = fakeBtf();
  const helpers = new Map(
    (opts.helpers ?? [seqPrintfProto, seqWriteProto, ktimeProto]).map((h) => [h.func_id, h]),
  );
  return {
    btf,
    resolveAttachTarget: ({ attachBtfId }) => {
      const f = btf.type(attachBtfId);
      if (f.kind !== 'FUNC' || f.name !== 'bpf_iter_task')
        return { errno: 'EINVAL', log: 'no such target\n' };
      return {
        funcName: 'bpf_iter_task',
        ctxArgs: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', btf_struct: 'task_struct' }],
      };
    },
    getHelperProto: (id) => helpers.get(id),
    getMap: ({ imm }) => (imm === 4 ? rodata : undefined),
  };
}
