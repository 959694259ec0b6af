import * as btfPkg from '@tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';

type ParseFn = (b: Uint8Array) => btfPkg.Btf;
const parseBtf = (btfPkg as Record<string, unknown>).parseBtf as ParseFn | undefined;

describe('/sys/kernel/btf/vmlinux', () => {
  it.skipIf(!parseBtf)(
    'serves the encoded kernel BTF; parsed back, it gives the offsets kernel memory uses',
    () => {
      const k = Kernel.boot();
      const p = k.process(421);
      const bytes = p.readFile('/sys/kernel/btf/vmlinux');
      expect(bytes[0]).toBe(0x9f);
      expect(bytes[1]).toBe(0xeb);
      const btf = parseBtf!(bytes);
      const id = btf.findByName('task_struct', 'STRUCT')!;
      const t = btf.type(id);
      if (t.kind !== 'STRUCT') throw new Error('task_struct is not a struct');
      const comm = t.members.find((m) => m.name === 'comm')!;
      expect(comm.bitOffset / 8).toBe(k.layout('task_struct').offsetOf('comm'));
      expect(btf.findByName('bpf_iter_task', 'FUNC')).toBe(k.btf.findByName('bpf_iter_task', 'FUNC'));
      expect(p.stat('/sys/kernel/btf/vmlinux').st_mode).toBe(0o100444);
    },
  );
});
