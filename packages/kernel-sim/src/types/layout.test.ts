import { describe, expect, it } from 'vitest';
import { buildVmlinuxBtf } from './index.js';
import { StructLayout } from './layout.js';

describe('vmlinux declarations -> BTF -> layout', () => {
  const btf = buildVmlinuxBtf();
  const off = (s: string, f: string) => new StructLayout(btf, s).offsetOf(f);

  it('computes C layouts (alignment, nesting, anonymous unions)', () => {
    expect(off('path', 'dentry')).toBe(8);
    expect(new StructLayout(btf, 'path').size).toBe(16);
    // struct qstr { union { struct { u32 hash; u32 len; }; u64 hash_len; }; const unsigned char *name; }
    expect(off('qstr', 'hash')).toBe(0);
    expect(off('qstr', 'len')).toBe(4);
    expect(off('qstr', 'hash_len')).toBe(0);
    expect(off('qstr', 'name')).toBe(8);
    // __bpf_md_ptr slots are 8 bytes each; fd is a u32 at 16, file at 24
    expect(off('bpf_iter__task_file', 'meta')).toBe(0);
    expect(off('bpf_iter__task_file', 'task')).toBe(8);
    expect(off('bpf_iter__task_file', 'fd')).toBe(16);
    expect(off('bpf_iter__task_file', 'file')).toBe(24);
    expect(new StructLayout(btf, 'bpf_iter__task_file').size).toBe(32);
    expect(off('bpf_iter_meta', 'session_id')).toBe(8);
    expect(off('bpf_iter_meta', 'seq_num')).toBe(16);
  });

  it('BTF member offsets agree with the layout the kernel code uses', () => {
    const id = btf.findByName('task_struct', 'STRUCT')!;
    const t = btf.type(id);
    if (t.kind !== 'STRUCT') throw new Error('not a struct');
    for (const m of t.members) {
      if (m.name) expect(off('task_struct', m.name) * 8).toBe(m.bitOffset);
    }
    const pid = t.members.find((m) => m.name === 'pid')!;
    const pidT = btf.type(pid.type);
    expect(pidT.kind === 'TYPEDEF' && pidT.name).toBe('pid_t');
    const comm = btf.type(t.members.find((m) => m.name === 'comm')!.type);
    expect(comm.kind === 'ARRAY' && comm.nelems).toBe(16);
    // natural alignment: every pointer member is 8-aligned
    for (const m of t.members) if (btf.type(m.type).kind === 'PTR') expect(m.bitOffset % 64).toBe(0);
  });

  it('declares the iterator attach functions as FUNC -> FUNC_PROTO', () => {
    const f = btf.type(btf.findByName('bpf_iter_task_file', 'FUNC')!);
    if (f.kind !== 'FUNC') throw new Error('not a func');
    const p = btf.type(f.type);
    if (p.kind !== 'FUNC_PROTO') throw new Error('not a proto');
    expect(p.params.map((x) => x.name)).toEqual(['meta', 'task', 'fd', 'file']);
    expect(btf.type(p.returnType).name).toBe('int');
    const fdT = btf.type(p.params[2]!.type);
    expect(fdT.kind === 'TYPEDEF' && fdT.name).toBe('u32');
  });

  it('rejects unknown fields with the struct name', () => {
    expect(() => off('file', 'f_nope')).toThrow(/struct file has no field 'f_nope'/);
  });
});
