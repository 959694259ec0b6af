import { encodeInsns } from '@tsbpf/bpf-vm';
import * as btfPkg from '@tsbpf/btf';
import { BpfError, BpfMapType, BpfProgType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';

const errnoOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof BpfError) return e.errno;
    throw e;
  }
  return 'OK';
};

describe('ids, fds by id and info by fd', () => {
  it('GET_NEXT_ID walks ids in order; GET_FD_BY_ID gives a new fd and a reference', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const mk = () =>
      p.bpf('BPF_MAP_CREATE', {
        map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
      });
    const a = mk();
    mk();
    const c = mk();
    p.close(c);
    const ids: number[] = [];
    const attr: { start_id: number; next_id?: number } = { start_id: 0 };
    for (;;) {
      try {
        p.bpf('BPF_MAP_GET_NEXT_ID', attr);
      } catch (e) {
        expect((e as BpfError).errno).toBe('ENOENT');
        break;
      }
      ids.push(attr.next_id!);
      attr.start_id = attr.next_id!;
    }
    expect(ids).toEqual([1, 2]);
    const fd = p.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: 1 });
    p.close(a);
    expect(k.bpfIds.maps.get(1)).toBeDefined(); // held by the fd from GET_FD_BY_ID
    p.close(fd);
    expect(k.bpfIds.maps.get(1)).toBeUndefined();
    expect(errnoOf(() => p.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: 3 }))).toBe('ENOENT');
    expect(errnoOf(() => p.bpf('BPF_PROG_GET_NEXT_ID', { start_id: 0 }))).toBe('ENOENT');
  });

  it('map and prog info; a non-zero tail beyond the kernel struct is E2BIG; info_len written back', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const m = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_HASH,
      key_size: 4,
      value_size: 12,
      max_entries: 3,
      map_name: 'counts',
    });
    const info = new Uint8Array(100);
    const attr = { bpf_fd: m, info_len: 100, info };
    p.bpf('BPF_OBJ_GET_INFO_BY_FD', attr);
    expect(attr.info_len).toBe(88);
    const dv = new DataView(info.buffer);
    expect([
      dv.getUint32(0, true),
      dv.getUint32(4, true),
      dv.getUint32(8, true),
      dv.getUint32(12, true),
      dv.getUint32(16, true),
    ]).toEqual([BpfMapType.BPF_MAP_TYPE_HASH, 1, 4, 12, 3]);
    expect(new TextDecoder().decode(info.subarray(24, 30))).toBe('counts');
    info[95] = 1;
    expect(errnoOf(() => p.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: m, info_len: 100, info }))).toBe('E2BIG');
    const short = new Uint8Array(8);
    const a2 = { bpf_fd: m, info_len: 8, info: short };
    p.bpf('BPF_OBJ_GET_INFO_BY_FD', a2);
    expect(a2.info_len).toBe(8);
    expect(new DataView(short.buffer).getUint32(4, true)).toBe(1);

    const insns = encodeInsns([
      { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    const prog = p.bpf('BPF_PROG_LOAD', {
      prog_type: BpfProgType.BPF_PROG_TYPE_SOCKET_FILTER,
      insns,
      insn_cnt: 2,
      license: 'Dual BSD/GPL',
      prog_name: 'sf',
    });
    const pinfo = new Uint8Array(232);
    const xlated = new Uint8Array(16);
    const ubufs = new Map([[0x1000n, xlated]]);
    new DataView(pinfo.buffer).setBigUint64(32, 0x1000n, true);
    new DataView(pinfo.buffer).setUint32(20, 16, true);
    p.bpf('BPF_OBJ_GET_INFO_BY_FD', Object.assign({ bpf_fd: prog, info_len: 232, info: pinfo }, { ubufs }));
    const pv = new DataView(pinfo.buffer);
    expect(pv.getUint32(0, true)).toBe(BpfProgType.BPF_PROG_TYPE_SOCKET_FILTER);
    expect(Buffer.from(pinfo.subarray(8, 16)).toString('hex')).toBe(k.bpfIds.progs.get(1)!.tag);
    expect(pv.getUint32(20, true)).toBe(16);
    expect([...xlated]).toEqual([...insns]);
    expect(new TextDecoder().decode(pinfo.subarray(64, 66))).toBe('sf');
    expect(pv.getUint32(84, true) & 1).toBe(1);
    const fdinfo = new TextDecoder().decode(p.readFile(`/proc/self/fdinfo/${prog}`));
    expect(fdinfo).toContain(`prog_type:\t1\nprog_jited:\t0\nprog_tag:\t${k.bpfIds.progs.get(1)!.tag}\n`);
    expect(new TextDecoder().decode(p.readFile(`/proc/self/fdinfo/${m}`))).toContain(
      'map_type:\t1\nkey_size:\t4\nvalue_size:\t12\nmax_entries:\t3\nmap_flags:\t0x0\n',
    );
  });

  it('BTF_LOAD: bad magic fails EINVAL with a log line; attr checks', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const log = new Uint8Array(256);
    const bad = new Uint8Array(32);
    const e = (() => {
      try {
        p.bpf('BPF_BTF_LOAD', {
          btf: bad,
          btf_size: 32,
          btf_log_level: 1,
          btf_log_buf: log,
          btf_log_size: 256,
        });
      } catch (err) {
        return err as BpfError;
      }
      throw new Error('loaded');
    })();
    expect(e.errno).toBe('EINVAL');
    expect(log[0]).not.toBe(0);
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: bad, btf_size: 32, btf_flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: bad, btf_size: 64 }))).toBe('EFAULT');
  });

  it.skipIf(typeof (btfPkg as Record<string, unknown>).encodeBtf !== 'function')(
    'BTF_LOAD accepts the kernel own encoded BTF',
    () => {
      const k = Kernel.boot();
      const p = k.process(421);
      const bytes = k.vmlinuxBytes();
      const fd = p.bpf('BPF_BTF_LOAD', { btf: bytes, btf_size: bytes.length });
      expect(p.readlink(`/proc/self/fd/${fd}`)).toBe('anon_inode:btf');
      const attr = { start_id: 0, next_id: 0 };
      p.bpf('BPF_BTF_GET_NEXT_ID', attr);
      expect(attr.next_id).toBe(1);
    },
  );
});
