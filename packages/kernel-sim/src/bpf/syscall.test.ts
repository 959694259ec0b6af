import { encodeInsns, type Insn } from '@tsbpf/bpf-vm';
import {
  BPF_ANY,
  BPF_EXIST,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_NOEXIST,
  BpfAttachType,
  BpfError,
  BpfLinkType,
  BpfMapType,
  BpfProgType,
  isErrno,
  O_RDONLY,
} from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const errnoOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof BpfError) return e.errno;
    throw e;
  }
  return 'OK';
};

const MOV0: Insn[] = [
  { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
  { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
];

function setup() {
  const k = Kernel.boot();
  const p = k.process(421);
  return { k, p };
}

describe('BPF_MAP_* on ARRAY and HASH', () => {
  it('array: create, update, lookup, next key, delete EINVAL, E2BIG, EEXIST', () => {
    const { k, p } = setup();
    const fd = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 8,
      max_entries: 4,
      map_name: 'arr',
    });
    expect(fd).toBeGreaterThan(2);
    const v = new Uint8Array(8);
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(2), value: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    p.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: u32(2), value: v });
    expect([...v]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // the value lives in kernel memory at the address a program's lookup returns
    const map = k.bpfIds.maps.get(1)!;
    expect([...k.mem.readBytes(map.lookupAddr(u32(2))!, 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(k.obj('bpf_map', map.addr).getNumber('max_entries')).toBe(4);
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(4), value: v }))).toBe('E2BIG');
    expect(
      errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(1), value: v, flags: BPF_NOEXIST })),
    ).toBe('EEXIST');
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(1), value: v, flags: 9 }))).toBe(
      'EINVAL',
    );
    expect(errnoOf(() => p.bpf('BPF_MAP_DELETE_ELEM', { map_fd: fd, key: u32(1) }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: u32(9), value: v }))).toBe('ENOENT');
    const nk = new Uint8Array(4);
    p.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: new Uint8Array(0), next_key: nk });
    expect(nk[0]).toBe(0);
    p.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: u32(9), next_key: nk });
    expect(nk[0]).toBe(0);
    p.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: u32(2), next_key: nk });
    expect(nk[0]).toBe(3);
    expect(errnoOf(() => p.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: u32(3), next_key: nk }))).toBe(
      'ENOENT',
    );
  });

  it('hash: NOEXIST/EXIST, E2BIG when full, delete, iteration order', () => {
    const { p } = setup();
    const fd = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_HASH,
      key_size: 4,
      value_size: 4,
      max_entries: 2,
    });
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(7), value: u32(70), flags: BPF_NOEXIST });
    expect(
      errnoOf(() =>
        p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(7), value: u32(1), flags: BPF_NOEXIST }),
      ),
    ).toBe('EEXIST');
    expect(
      errnoOf(() =>
        p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(8), value: u32(1), flags: BPF_EXIST }),
      ),
    ).toBe('ENOENT');
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(9), value: u32(90), flags: BPF_ANY });
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(10), value: u32(1) }))).toBe(
      'E2BIG',
    );
    const nk = new Uint8Array(4);
    p.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: new Uint8Array(0), next_key: nk });
    expect(nk[0]).toBe(7);
    p.bpf('BPF_MAP_DELETE_ELEM', { map_fd: fd, key: u32(7) });
    expect(errnoOf(() => p.bpf('BPF_MAP_DELETE_ELEM', { map_fd: fd, key: u32(7) }))).toBe('ENOENT');
  });

  it('create checks: bad sizes, names, flags, unknown type', () => {
    const { p } = setup();
    const A = BpfMapType.BPF_MAP_TYPE_ARRAY;
    expect(
      errnoOf(() => p.bpf('BPF_MAP_CREATE', { map_type: A, key_size: 8, value_size: 4, max_entries: 1 })),
    ).toBe('EINVAL');
    expect(
      errnoOf(() => p.bpf('BPF_MAP_CREATE', { map_type: A, key_size: 4, value_size: 4, max_entries: 0 })),
    ).toBe('EINVAL');
    expect(
      errnoOf(() =>
        p.bpf('BPF_MAP_CREATE', {
          map_type: A,
          key_size: 4,
          value_size: 4,
          max_entries: 1,
          map_name: 'bad-name',
        }),
      ),
    ).toBe('EINVAL');
    expect(
      errnoOf(() =>
        p.bpf('BPF_MAP_CREATE', {
          map_type: A,
          key_size: 4,
          value_size: 4,
          max_entries: 1,
          map_name: 'sixteen_chars_xx',
        }),
      ),
    ).toBe('EINVAL');
    expect(
      errnoOf(() =>
        p.bpf('BPF_MAP_CREATE', {
          map_type: A,
          key_size: 4,
          value_size: 4,
          max_entries: 1,
          map_flags: BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG,
        }),
      ),
    ).toBe('EINVAL');
    expect(
      errnoOf(() => p.bpf('BPF_MAP_CREATE', { map_type: 999, key_size: 4, value_size: 4, max_entries: 1 })),
    ).toBe('EINVAL');
    expect(
      errnoOf(() =>
        p.bpf('BPF_MAP_CREATE', {
          map_type: BpfMapType.BPF_MAP_TYPE_HASH,
          key_size: 600,
          value_size: 4,
          max_entries: 1,
        }),
      ),
    ).toBe('E2BIG');
  });

  it('freeze: EBUSY twice, syscall writes EPERM after, reads still work; RDONLY fd cannot write', () => {
    const { p } = setup();
    const fd = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
      map_flags: BPF_F_RDONLY_PROG,
    });
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(0), value: u32(5) });
    p.bpf('BPF_MAP_FREEZE', { map_fd: fd });
    expect(errnoOf(() => p.bpf('BPF_MAP_FREEZE', { map_fd: fd }))).toBe('EBUSY');
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32(0), value: u32(6) }))).toBe(
      'EPERM',
    );
    const v = new Uint8Array(4);
    p.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: u32(0), value: v });
    expect(v[0]).toBe(5);
    const ro = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
      map_flags: BPF_F_RDONLY,
    });
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: ro, key: u32(0), value: u32(6) }))).toBe(
      'EPERM',
    );
  });

  it('bad fds: EBADF for no fd, EINVAL for a non-map fd', () => {
    const { p } = setup();
    expect(
      errnoOf(() => p.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 77, key: u32(0), value: new Uint8Array(4) })),
    ).toBe('EBADF');
    expect(
      errnoOf(() => p.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 0, key: u32(0), value: new Uint8Array(4) })),
    ).toBe('EINVAL');
  });
});

describe('BPF_PROG_LOAD', () => {
  const load = (p: ReturnType<typeof setup>['p'], extra: Record<string, unknown> = {}) =>
    p.bpf('BPF_PROG_LOAD', {
      prog_type: BpfProgType.BPF_PROG_TYPE_SOCKET_FILTER,
      insns: encodeInsns(MOV0),
      insn_cnt: 2,
      license: 'GPL',
      ...extra,
    });

  it('loads, gets an id, a tag, kernel objects, and an fd named anon_inode:bpf-prog', () => {
    const { k, p } = setup();
    const fd = load(p, { prog_name: 'ok_prog' });
    const prog = k.bpfIds.progs.get(1)!;
    expect(prog.tag).toMatch(/^[0-9a-f]{16}$/);
    expect(k.obj('bpf_prog_aux', prog.aux.addr).getString('name')).toBe('ok_prog');
    expect(p.readlink(`/proc/self/fd/${fd}`)).toBe('anon_inode:bpf-prog');
  });

  it('attr checks: insn_cnt 0, unknown flags, bad name, unknown type, tracing without btf id', () => {
    const { p } = setup();
    expect(errnoOf(() => load(p, { insn_cnt: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => load(p, { prog_flags: 1 << 10 }))).toBe('EINVAL');
    expect(errnoOf(() => load(p, { prog_name: 'a b' }))).toBe('EINVAL');
    expect(errnoOf(() => load(p, { prog_type: 4242 }))).toBe('EINVAL');
    expect(errnoOf(() => load(p, { insn_cnt: 2_000_000 }))).toBe('E2BIG');
    const log = new Uint8Array(256);
    const attr = {
      prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
      expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
      insns: encodeInsns(MOV0),
      insn_cnt: 2,
      license: 'GPL',
      log_level: 1,
      log_size: 256,
      log_buf: log,
    };
    expect(errnoOf(() => p.bpf('BPF_PROG_LOAD', attr))).toBe('EINVAL');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(
      'Tracing programs must provide btf_id\n',
    );
    expect((attr as { log_true_size?: number }).log_true_size).toBe(38);
  });

  it('a log that did not fit turns the failure into ENOSPC, with log_true_size', () => {
    const { p } = setup();
    const log = new Uint8Array(10);
    const attr = {
      prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
      expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
      insns: encodeInsns(MOV0),
      insn_cnt: 2,
      license: 'GPL',
      log_level: 1,
      log_size: 10,
      log_buf: log,
    };
    expect(errnoOf(() => p.bpf('BPF_PROG_LOAD', attr))).toBe('ENOSPC');
    expect((attr as { log_true_size?: number }).log_true_size).toBe(38);
    expect(new TextDecoder().decode(log.subarray(0, 9))).toBe('e btf_id\n');
  });

  it('log attr validation: buffer without level, level without buffer size, size > UINT_MAX>>2', () => {
    const { p } = setup();
    expect(errnoOf(() => load(p, { log_buf: new Uint8Array(10), log_size: 10, log_level: 0 }))).toBe(
      'EINVAL',
    );
    expect(errnoOf(() => load(p, { log_buf: new Uint8Array(10), log_level: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => load(p, { log_level: 1, log_size: 10 }))).toBe('EINVAL');
    expect(errnoOf(() => load(p, { log_level: 16, log_buf: new Uint8Array(10), log_size: 10 }))).toBe(
      'EINVAL',
    );
    expect(errnoOf(() => load(p, { log_level: 1, log_buf: new Uint8Array(8), log_size: 0x40000000 }))).toBe(
      'EINVAL',
    );
  });

  it('resolves map fds in ld_imm64 to struct bpf_map addresses; bad fd logs and fails EBADF', () => {
    const { k, p } = setup();
    const mfd = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
    });
    const prog = (fd: number): Insn[] => [
      { code: 0x18, dst: 1, src: 1, off: 0, imm: fd },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
      ...MOV0,
    ];
    load(p, { insns: encodeInsns(prog(mfd)), insn_cnt: 4 });
    const loaded = k.bpfIds.progs.get(1)!;
    const map = k.bpfIds.maps.get(1)!;
    const lo = BigInt(loaded.insns[0]!.imm >>> 0);
    const hi = BigInt(loaded.insns[1]!.imm >>> 0);
    expect((hi << 32n) | lo).toBe(map.addr);
    expect(map.refcnt).toBe(2);
    const log = new Uint8Array(128);
    expect(
      errnoOf(() =>
        load(p, { insns: encodeInsns(prog(99)), insn_cnt: 4, log_level: 1, log_buf: log, log_size: 128 }),
      ),
    ).toBe('EBADF');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(
      'fd 99 is not pointing to valid bpf_map\n',
    );
  });
});

describe('links and iterators through registered link types', () => {
  function withLinkType() {
    const { k, p } = setup();
    const events: string[] = [];
    const funcId = k.btf.findByName('bpf_iter_task', 'FUNC')!;
    k.bpf.registerAttachTarget(
      BpfProgType.BPF_PROG_TYPE_TRACING,
      BpfAttachType.BPF_TRACE_ITER,
      ({ funcName }) => {
        if (funcName !== 'bpf_iter_task') throw new BpfError('EINVAL');
        return {
          funcName,
          ctxArgs: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL', btf_struct: 'task_struct' }],
        };
      },
    );
    k.bpf.registerLinkType({
      linkType: BpfLinkType.BPF_LINK_TYPE_ITER,
      name: 'iter',
      progType: BpfProgType.BPF_PROG_TYPE_TRACING,
      attachType: BpfAttachType.BPF_TRACE_ITER,
      create: ({ attr }) => {
        if (attr.target_fd || attr.flags) throw new BpfError('EINVAL');
        const text = new TextEncoder().encode(
          k
            .tasks()
            .map((t) => `${t.pid}\n`)
            .join(''),
        );
        return {
          fdinfo: () => 'target_name:\ttask\n',
          update: (np) => events.push(`update ${np.id}`),
          iterCreate: () => k.anonInodeFile('bpf_iter', { read: (f, b) => readAll(f, b, text) }, O_RDONLY),
          open: () => k.anonInodeFile('bpf_iter', { read: (f, b) => readAll(f, b, text) }, O_RDONLY),
          release: () => events.push('release'),
        };
      },
    });
    const loadIter = () =>
      p.bpf('BPF_PROG_LOAD', {
        prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
        expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
        attach_btf_id: funcId,
        insns: encodeInsns(MOV0),
        insn_cnt: 2,
        license: 'GPL',
      });
    return { k, p, events, loadIter };
  }
  const readAll = (f: { pos: number }, b: Uint8Array, text: Uint8Array) => {
    const n = Math.min(b.length, text.length - f.pos);
    b.set(text.subarray(f.pos, f.pos + n));
    f.pos += n;
    return n;
  };

  it('LINK_CREATE, fdinfo, ITER_CREATE, pin, open, unlink; update swaps the prog', () => {
    const { k, p, events, loadIter } = withLinkType();
    const prog = loadIter();
    const link = p.bpf('BPF_LINK_CREATE', { prog_fd: prog, attach_type: BpfAttachType.BPF_TRACE_ITER });
    const progObj = k.bpfIds.progs.get(1)!;
    const info = new TextDecoder().decode(p.readFile(`/proc/self/fdinfo/${link}`));
    expect(info).toMatch(/^pos:\t0\nflags:\t02000002\nmnt_id:\t\d+\nino:\t\d+\n/);
    expect(info).toContain(
      `link_type:\titer\nlink_id:\t1\nprog_tag:\t${progObj.tag}\nprog_id:\t1\ntarget_name:\ttask\n`,
    );
    const it1 = p.bpf('BPF_ITER_CREATE', { link_fd: link });
    const buf = new Uint8Array(4096);
    const n = p.read(it1, buf);
    expect(new TextDecoder().decode(buf.subarray(0, n)).split('\n')[0]).toBe('1');
    expect(errnoOf(() => p.bpf('BPF_ITER_CREATE', { link_fd: link, flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_ITER_CREATE', { link_fd: prog }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_LINK_DETACH', { link_fd: link }))).toBe('EOPNOTSUPP');
    // pin + open + unlink
    p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/my_iter', bpf_fd: link });
    expect(p.stat('/sys/fs/bpf/my_iter').st_mode).toBe(0o100600);
    expect(new TextDecoder().decode(p.readFile('/sys/fs/bpf/my_iter')).startsWith('1\n2\n')).toBe(true);
    const got = p.bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/my_iter' });
    expect(p.readlink(`/proc/self/fd/${got}`)).toBe('anon_inode:bpf_link');
    // update
    const prog2 = loadIter();
    expect(errnoOf(() => p.bpf('BPF_LINK_UPDATE', { link_fd: link, new_prog_fd: prog2, flags: 1 }))).toBe(
      'EINVAL',
    );
    expect(
      errnoOf(() => p.bpf('BPF_LINK_UPDATE', { link_fd: link, new_prog_fd: prog2, old_prog_fd: prog })),
    ).toBe('EINVAL');
    p.bpf('BPF_LINK_UPDATE', { link_fd: link, new_prog_fd: prog2 });
    expect(events).toEqual(['update 2']);
    expect(k.bpfIds.links.get(1)!.prog.id).toBe(2);
    // refs: link fd + got fd + pin; closing fds keeps the pinned link alive, unlink releases it
    p.close(link);
    p.close(got);
    expect(events).toEqual(['update 2']);
    p.unlink('/sys/fs/bpf/my_iter');
    expect(events).toEqual(['update 2', 'release']);
    expect(k.bpfIds.links.get(1)).toBeUndefined();
    expect(errnoOf(() => p.open('/sys/fs/bpf/my_iter'))).toBe('ENOENT');
  });

  it('a failed create consumes the link id (bpf_link_prime before attach)', () => {
    const { p, loadIter } = withLinkType();
    const prog = loadIter();
    expect(
      errnoOf(() =>
        p.bpf('BPF_LINK_CREATE', { prog_fd: prog, attach_type: BpfAttachType.BPF_TRACE_ITER, flags: 1 }),
      ),
    ).toBe('EINVAL');
    const link = p.bpf('BPF_LINK_CREATE', { prog_fd: prog, attach_type: BpfAttachType.BPF_TRACE_ITER });
    const info = new Uint8Array(48);
    p.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: link, info_len: 48, info });
    const dv = new DataView(info.buffer);
    expect([dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true)]).toEqual([
      BpfLinkType.BPF_LINK_TYPE_ITER,
      2,
      1,
    ]);
  });

  it('prog load consults the attach target resolver', () => {
    const { k, p } = withLinkType();
    const bad = k.btf.findByName('bpf_iter_task_file', 'FUNC')!;
    const load = (id: number) =>
      p.bpf('BPF_PROG_LOAD', {
        prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
        expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
        attach_btf_id: id,
        insns: encodeInsns(MOV0),
        insn_cnt: 2,
        license: 'GPL',
      });
    expect(errnoOf(() => load(bad))).toBe('EINVAL');
    const notFunc = k.btf.findByName('task_struct', 'STRUCT')!;
    const log = new Uint8Array(200);
    expect(
      errnoOf(() =>
        p.bpf('BPF_PROG_LOAD', {
          prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
          expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
          attach_btf_id: notFunc,
          insns: encodeInsns(MOV0),
          insn_cnt: 2,
          license: 'GPL',
          log_level: 1,
          log_buf: log,
          log_size: 200,
        }),
      ),
    ).toBe('EINVAL');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(
      `attach_btf_id ${notFunc} is not a function\n`,
    );
  });
});

describe('bpffs rules', () => {
  it('EEXIST, EPERM for dots and for non-bpffs dirs, ENOENT parent, mkdir, umask, OBJ_GET EACCES', () => {
    const { k, p } = setup();
    const fd = p.bpf('BPF_MAP_CREATE', {
      map_type: BpfMapType.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
    });
    p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/m', bpf_fd: fd });
    expect(errnoOf(() => p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/m', bpf_fd: fd }))).toBe('EEXIST');
    expect(errnoOf(() => p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/a.b', bpf_fd: fd }))).toBe('EPERM');
    expect(errnoOf(() => p.bpf('BPF_OBJ_PIN', { pathname: '/tmp/m', bpf_fd: fd }))).toBe('EPERM');
    expect(errnoOf(() => p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/nodir/m', bpf_fd: fd }))).toBe(
      'ENOENT',
    );
    expect(errnoOf(() => p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/x', bpf_fd: 99 }))).toBe('EBADF');
    expect(errnoOf(() => p.mkdir('/sys/fs/bpf/d.x'))).toBe('EPERM');
    p.mkdir('/sys/fs/bpf/dir', 0o777);
    expect(p.stat('/sys/fs/bpf/dir').st_mode).toBe(0o40755);
    k.umask = 0o077;
    p.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/dir/m2', bpf_fd: fd });
    expect(p.stat('/sys/fs/bpf/dir/m2').st_mode).toBe(0o100600);
    expect(p.stat('/sys/fs/bpf').f_type).toBe(0xcafe4a11n);
    expect(errnoOf(() => p.open('/sys/fs/bpf/m'))).toBe('EIO');
    expect(errnoOf(() => p.bpf('BPF_OBJ_GET', { pathname: '/etc/hostname' }))).toBe('EACCES');
    expect(
      errnoOf(() => p.bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/m', file_flags: (1 << 3) | (1 << 4) })),
    ).toBe('EINVAL');
    const ro = p.bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/m', file_flags: 1 << 3 });
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: ro, key: u32(0), value: u32(1) }))).toBe(
      'EPERM',
    );
    // the pin keeps the map: closing every fd leaves it reachable
    p.close(fd);
    p.close(ro);
    expect(k.bpfIds.maps.get(1)).toBeDefined();
    p.unlink('/sys/fs/bpf/m');
    p.unlink('/sys/fs/bpf/dir/m2');
    expect(k.bpfIds.maps.get(1)).toBeUndefined();
    expect(isErrno(new BpfError('EPERM'), 'EPERM')).toBe(true);
  });
});
