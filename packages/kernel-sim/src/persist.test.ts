import { encodeInsns } from '@tsbpf/bpf-vm';
import { BpfAttachType, BpfError, BpfLinkType, BpfMapType, BpfProgType } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { Kernel } from './kernel.js';
import { parseState, StateError } from './persist.js';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const MOV0 = encodeInsns([
  { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
  { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
]);

/** A stand-in link type (what bpf-iter installs), recording its creations. */
function install(k: Kernel, log: string[]) {
  k.bpf.registerAttachTarget(
    BpfProgType.BPF_PROG_TYPE_TRACING,
    BpfAttachType.BPF_TRACE_ITER,
    ({ funcName }) => ({ funcName }),
  );
  k.bpf.registerLinkType({
    linkType: BpfLinkType.BPF_LINK_TYPE_ITER,
    name: 'iter',
    progType: BpfProgType.BPF_PROG_TYPE_TRACING,
    attachType: BpfAttachType.BPF_TRACE_ITER,
    create: ({ prog, attr }) => {
      log.push(
        `create prog ${prog.id} info ${attr.iter_info ? [...attr.iter_info.subarray(0, 4)].join(',') : '-'}`,
      );
      return {};
    },
  });
}

describe('persistence', () => {
  it('round trip: maps (contents, frozen), progs using maps, iter links with a map, pins, dirs, ids', () => {
    const k = Kernel.boot();
    const log1: string[] = [];
    install(k, log1);
    const p = k.process(421);
    const junk = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
    });
    p.close(junk); // id 1 gone: ids must not be reused after restore
    const h = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_HASH,
      key_size: 4,
      value_size: 4,
      max_entries: 8,
      map_name: 'h',
    });
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: h, key: u32(5), value: u32(50) });
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: h, key: u32(3), value: u32(30) });
    p.bpf('BPF_MAP_FREEZE', { map_fd: h });
    const insns = new Uint8Array(32);
    insns.set(
      encodeInsns([
        { code: 0x18, dst: 1, src: 1, off: 0, imm: h },
        { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
      ]),
    );
    insns.set(MOV0, 16);
    const funcId = k.btf.findByName('bpf_iter_bpf_map_elem', 'FUNC')!;
    const prog = p.bpf('BPF_PROG_LOAD', {
      prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
      expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
      attach_btf_id: funcId,
      insns,
      insn_cnt: 4,
      license: 'GPL',
      prog_name: 'dump',
    });
    const link = p.bpf('BPF_LINK_CREATE', {
      prog_fd: prog,
      attach_type: BpfAttachType.BPF_TRACE_ITER,
      iter_info: u32(h),
      iter_info_len: 4,
    });
    p.mkdir('/sys/fs/bpf/sub');
    p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/sub/it', bpf_fd: link });
    p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/h', bpf_fd: h });
    const tag = k.bpfIds.progs.get(1)!.tag;

    const text = JSON.stringify(k.snapshot());
    const log2: string[] = [];
    const k2 = Kernel.restore(parseState(text), { install: (kk) => install(kk, log2) });
    expect(log2).toHaveLength(1);
    const map = k2.bpfIds.maps.get(2)!;
    expect(k2.bpfIds.maps.get(1)).toBeUndefined();
    expect(map.name).toBe('h');
    expect(map.frozen).toBe(true);
    expect(map.entries().map(([a, b]) => [a[0], b[0]])).toEqual([
      [5, 50],
      [3, 30],
    ]);
    const prog2 = k2.bpfIds.progs.get(1)!;
    expect(prog2.tag).toBe(tag);
    expect(prog2.usedMaps).toEqual([map]);
    const l = k2.bpfIds.links.get(1)!;
    expect(l.prog).toBe(prog2);
    expect(l.iterMap).toBe(map);
    // the restored link's iter_info names a map fd of the replaying process that held map 2
    expect(log2[0]).toMatch(/^create prog 1 info \d+,0,0,0$/);
    const q = k2.process(421);
    expect(q.stat('/sys/fs/bpf/sub').st_mode & 0o7777).toBe(0o755);
    expect(q.stat('/sys/fs/bpf/sub/it').st_mode).toBe(0o100600);
    const got = q.bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/h' });
    const v = new Uint8Array(4);
    q.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: got, key: u32(3), value: v });
    expect(v[0]).toBe(30);
    // nothing but the pins holds the objects: no stray fds in pid 1
    expect(
      k2
        .task(1)!
        .fdTable()
        .map(([fd]) => fd),
    ).toEqual(
      k
        .task(1)!
        .fdTable()
        .map(([fd]) => fd),
    );
    // new ids continue where the old machine stopped
    const m3 = q.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
    });
    expect(k2.bpfObjectOf(q.fdget(m3))).toMatchObject({ kind: 'map', map: { id: 3 } });
  });

  it('programs that referenced maps through fd_array (BPF_PSEUDO_MAP_IDX) replay with a rebuilt fd_array', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const m = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
    });
    const insns = new Uint8Array(32);
    insns.set(
      encodeInsns([
        { code: 0x18, dst: 1, src: 5, off: 0, imm: 0 },
        { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
      ]),
    );
    insns.set(MOV0, 16);
    const fd = p.bpf('BPF_PROG_LOAD', {
      prog_type: BpfProgType.BPF_PROG_TYPE_SOCKET_FILTER,
      insns,
      insn_cnt: 4,
      license: 'GPL',
      fd_array: [m],
    });
    p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/prog', bpf_fd: fd });
    const k2 = Kernel.restore(parseState(JSON.stringify(k.snapshot())));
    const prog = k2.bpfIds.progs.get(1)!;
    expect(prog.tag).toBe(k.bpfIds.progs.get(1)!.tag);
    expect(prog.usedMaps.map((x) => x.id)).toEqual([1]);
    expect(BigInt(prog.insns[0]!.imm >>> 0) | (BigInt(prog.insns[1]!.imm >>> 0) << 32n)).toBe(
      prog.usedMaps[0]!.addr,
    );
  });

  it('damaged state is an error', () => {
    const k = Kernel.boot();
    const good = k.snapshot();
    expect(() => parseState('{')).toThrow(StateError);
    expect(() => parseState(JSON.stringify({ ...good, version: 9 }))).toThrow(
      'damaged state: version 9 (expected 1)',
    );
    expect(() => parseState(JSON.stringify({ ...good, world: { version: 1 } }))).toThrow(
      'damaged state: world: $.processes: expected an array',
    );
    const badPin = { ...good, pins: [{ path: '/sys/fs/bpf/x', kind: 'map', id: 42 }] };
    expect(() => Kernel.restore(parseState(JSON.stringify(badPin)))).toThrow(
      'damaged state: pin /sys/fs/bpf/x names unknown map 42',
    );
    const badMap = {
      ...good,
      maps: [
        {
          id: 1,
          attr: { map_type: 2, key_size: 9, value_size: 4, max_entries: 1 },
          entries: [],
          frozen: false,
        },
      ],
    };
    expect(() => Kernel.restore(parseState(JSON.stringify(badMap)))).toThrow(
      'damaged state: cannot restore map 1: EINVAL',
    );
    expect(new BpfError('EINVAL').errno).toBe('EINVAL');
  });

  it('pids keep rising across a save and restore, as on Linux', () => {
    const k = Kernel.boot();
    const first = k.process(1).fork('sh');
    first.exit();
    const k2 = Kernel.restore(parseState(JSON.stringify(k.snapshot())));
    const second = k2.process(1).fork('sh');
    expect(second.pid).toBe(first.pid + 1);
    const bad = { ...k.snapshot(), next: { ...k.snapshot().next, pid: -1 } };
    expect(() => Kernel.restore(parseState(JSON.stringify(bad)))).toThrow('damaged state: next pid');
  });
});
