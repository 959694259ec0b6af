import { fileURLToPath } from 'node:url';
import { Btf, encodeBtf } from '@tsbpf/btf';
import { BpfError, BpfMapType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { BPF_MAP_INFO_SIZE } from './map.js';
import { BpfObject } from './object.js';
import { capturePrint } from './testing/capturePrint.js';
import { FakeSyscalls } from './testing/fakeSyscalls.js';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/pinned.bpf.o', import.meta.url));

const printed = capturePrint();

function kernel(): Uint8Array {
  const k = new Btf(BpfObject.openFile(FIXTURE).btf!.types);
  const proto = k.add({ kind: 'FUNC_PROTO', name: '', returnType: 0, params: [] });
  k.add({ kind: 'FUNC', name: 'bpf_iter_bpf_map_elem', type: proto, linkage: 1 });
  return encodeBtf(k);
}

/** A fake bpffs: OBJ_PIN/OBJ_GET/unlink over a path -> map info table. */
function withBpffs(sys: FakeSyscalls, infoOf: (fd: number) => Uint8Array) {
  const pins = new Map<string, Uint8Array>();
  const fdInfo = new Map<number, Uint8Array>();
  sys.handler = (cmd, attr) => {
    if (cmd === 'BPF_OBJ_PIN') {
      const p = attr.pathname as string;
      if (pins.has(p)) throw new BpfError('EEXIST');
      pins.set(p, infoOf(attr.bpf_fd as number));
      return 0;
    }
    if (cmd === 'BPF_OBJ_GET') {
      const info = pins.get(attr.pathname as string);
      if (!info) throw new BpfError('ENOENT');
      const fd = sys.newFd();
      fdInfo.set(fd, info);
      return fd;
    }
    if (cmd === 'BPF_OBJ_GET_INFO_BY_FD') {
      (attr.info as Uint8Array).set(fdInfo.get(attr.bpf_fd as number)!);
      return 0;
    }
    return undefined;
  };
  const unlink = sys.unlink.bind(sys);
  sys.unlink = (p: string) => {
    pins.delete(p);
    unlink(p);
  };
  return pins;
}

function mapInfo(type: number, key: number, value: number, max: number, flags = 0): Uint8Array {
  const b = new Uint8Array(BPF_MAP_INFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(8, key, true);
  dv.setUint32(12, value, true);
  dv.setUint32(16, max, true);
  dv.setUint32(20, flags, true);
  return b;
}

describe('maps pinned by name', () => {
  it('pins a new map under pinRootPath, and a second object reuses it', () => {
    const sys = new FakeSyscalls();
    sys.files.set('/sys/kernel/btf/vmlinux', kernel());
    const pins = withBpffs(sys, () => mapInfo(BpfMapType.BPF_MAP_TYPE_HASH, 4, 8, 16));
    const a = BpfObject.openFile(FIXTURE, { syscalls: sys, pinRootPath: '/sys/fs/bpf/test' });
    expect(a.maps[0]!.pinPath).toBe('/sys/fs/bpf/test/shared_counts');
    a.load();
    expect([...pins.keys()]).toEqual(['/sys/fs/bpf/test/shared_counts']);
    expect(a.maps[0]!.pinned).toBe(true);
    expect(printed).toContain("libbpf: found no pinned map to reuse at '/sys/fs/bpf/test/shared_counts'\n");

    const b = BpfObject.openFile(FIXTURE, { syscalls: sys, pinRootPath: '/sys/fs/bpf/test' });
    b.load();
    expect(sys.callsOf('BPF_MAP_CREATE')).toHaveLength(1);
    expect(b.maps[0]!.reused).toBe(true);
    expect(printed).toContain("libbpf: reused pinned map at '/sys/fs/bpf/test/shared_counts'\n");
    const insns = sys.callsOf('BPF_PROG_LOAD')[1]!.attr.insns as Uint8Array;
    expect(new DataView(insns.buffer).getInt32(8 * 4 + 4, true)).toBe(b.maps[0]!.fd);
    a.close();
    b.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('refuses a pinned map with different parameters', () => {
    const sys = new FakeSyscalls();
    sys.files.set('/sys/kernel/btf/vmlinux', kernel());
    const pins = withBpffs(sys, () => mapInfo(BpfMapType.BPF_MAP_TYPE_HASH, 4, 8, 16));
    pins.set('/sys/fs/bpf/shared_counts', mapInfo(BpfMapType.BPF_MAP_TYPE_ARRAY, 4, 8, 16));
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys });
    expect(() => obj.load()).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(printed).toContain(
      "libbpf: couldn't reuse pinned map at '/sys/fs/bpf/shared_counts': parameter mismatch\n",
    );
    expect(printed).toContain("libbpf: map 'shared_counts': error reusing pinned map\n");
    expect(sys.openFds.size).toBe(0);
  });

  it('unpins what it pinned when the load fails later', () => {
    const sys = new FakeSyscalls();
    sys.files.set('/sys/kernel/btf/vmlinux', kernel());
    const pins = withBpffs(sys, () => mapInfo(BpfMapType.BPF_MAP_TYPE_HASH, 4, 8, 16));
    const base = sys.handler!;
    sys.handler = (cmd, attr, n) => {
      if (cmd === 'BPF_PROG_LOAD') throw new BpfError('EINVAL');
      return base(cmd, attr, n);
    };
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys });
    expect(() => obj.load()).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(pins.size).toBe(0);
    expect(sys.unlinked).toEqual(['/sys/fs/bpf/shared_counts']);
  });
});
