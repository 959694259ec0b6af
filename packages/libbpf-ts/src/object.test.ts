import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeInsns } from '@tsbpf/bpf-vm';
import { Btf, type BtfType, encodeBtf } from '@tsbpf/btf';
import {
  BPF_F_MMAPABLE,
  BPF_F_RDONLY_PROG,
  BPF_F_SLEEPABLE,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BpfAttachType,
  BpfError,
  BpfMapType,
  BpfProgType,
  isErrno,
} from '@tsbpf/uapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VerifierError } from './errors.js';
import { BpfLink, createIter } from './link.js';
import { BpfObject } from './object.js';
import { type PrintFn, setPrint } from './print.js';
import { FakeSyscalls, writeLog } from './testing/fakeSyscalls.js';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/iter_multi.bpf.o', import.meta.url));
const LDDW = 0x18;

/** A fake kernel BTF: the object's own types with task_struct moved 1000 bytes down, plus bpf_iter_* FUNCs. */
function kernelBtf(opts: { withTaskFile?: boolean } = {}): Btf {
  const obj = BpfObject.openFile(FIXTURE);
  const k = new Btf();
  for (const t of obj.btf!.types) {
    const c = structuredClone(t) as BtfType;
    // The "kernel" does not know the program's local enum: its CO-RE read gets poisoned.
    if (c.kind === 'ENUM' && c.name === 'task_state___local') c.name = 'other_enum';
    if (c.kind === 'STRUCT' && c.name === 'task_struct') {
      c.size += 1000;
      for (const m of c.members) m.bitOffset += 8000;
    }
    k.add(c);
  }
  const int = k.findByName('int', 'INT')!;
  const proto = k.add({ kind: 'FUNC_PROTO', name: '', returnType: int, params: [] });
  k.add({ kind: 'FUNC', name: 'bpf_iter_task', type: proto, linkage: 1 });
  if (opts.withTaskFile !== false)
    k.add({ kind: 'FUNC', name: 'bpf_iter_task_file', type: proto, linkage: 1 });
  return k;
}

let printed: { level: string; msg: string }[];
let prevPrint: PrintFn | null;
beforeEach(() => {
  printed = [];
  prevPrint = setPrint((level, msg) => printed.push({ level, msg }));
});
afterEach(() => {
  setPrint(prevPrint);
});

function setup(k: Btf = kernelBtf()) {
  const sys = new FakeSyscalls();
  sys.files.set('/sys/kernel/btf/vmlinux', encodeBtf(k));
  const obj = BpfObject.openFile(FIXTURE, { syscalls: sys });
  return { sys, obj, k };
}

const warnings = () => printed.filter((p) => p.level === 'warn').map((p) => p.msg);

describe('BpfObject open', () => {
  it('finds programs, subprograms, maps, license and version without syscalls', () => {
    const obj = BpfObject.openFile(FIXTURE);
    expect(obj.name).toBe('iter_multi');
    expect(obj.license).toBe('GPL');
    expect(obj.kernVersion).toBe(0x060c00);
    expect(obj.programs.map((p) => [p.name, p.sectionName])).toEqual([
      ['dump_task', 'iter/task'],
      ['dump_task_flags', 'iter/task'],
      ['dump_task_file', 'iter.s/task_file'],
    ]);
    const p = obj.findProgramByName('dump_task_file')!;
    expect(p.type).toBe(BpfProgType.BPF_PROG_TYPE_TRACING);
    expect(p.expectedAttachType).toBe(BpfAttachType.BPF_TRACE_ITER);
    expect(p.flags).toBe(BPF_F_SLEEPABLE);
    expect(p.autoattach).toBe(true);
    expect(obj.findProgramByName('count_task')).toBeUndefined();
    expect(obj.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.mapFlags])).toEqual([
      ['pid_count', BpfMapType.BPF_MAP_TYPE_HASH, 4, 8, 128, 0],
      ['iter_mul.rodata', BpfMapType.BPF_MAP_TYPE_ARRAY, 4, 28, 1, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE],
      ['iter_mul.data', BpfMapType.BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_MMAPABLE],
      ['iter_mul.bss', BpfMapType.BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_MMAPABLE],
    ]);
    expect(obj.findMapByName('.data')!.initialValue).toEqual(new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]));
    expect(obj.findMapByName('iter_mul.bss')!.initialValue).toBeUndefined();
    expect(
      printed.some(
        (p) => p.msg === "libbpf: map 'iter_mul.rodata' (global data): at sec_idx 10, offset 0, flags 480.\n",
      ),
    ).toBe(true);
    expect(
      printed.some(
        (p) =>
          p.msg ===
          "libbpf: sec 'iter/task': found program 'dump_task_flags' at insn offset 35 (280 bytes), code size 55 insns (440 bytes)\n",
      ),
    ).toBe(true);
  });

  it('rejects non-ELF input with a typed error', () => {
    expect(() => BpfObject.openMemory(new Uint8Array([1, 2, 3]), { objectName: 'junk' })).toThrow(
      expect.objectContaining({ errno: 'EINVAL', libbpfErrno: -4001 }),
    );
    expect(() => BpfObject.openFile('/nonexistent/x.bpf.o')).toThrow(
      expect.objectContaining({ errno: 'ENOENT' }),
    );
  });
});

describe('BpfObject load', () => {
  it('loads BTF, creates and fills maps, applies CO-RE, links subprograms and loads programs quietly', () => {
    const { sys, obj, k } = setup();
    obj.load();
    expect(sys.calls.map((c) => c.cmd)).toEqual([
      'BPF_BTF_LOAD',
      'BPF_MAP_CREATE',
      'BPF_MAP_CREATE',
      'BPF_MAP_UPDATE_ELEM',
      'BPF_MAP_FREEZE',
      'BPF_MAP_CREATE',
      'BPF_MAP_UPDATE_ELEM',
      'BPF_MAP_CREATE',
      'BPF_PROG_LOAD',
      'BPF_PROG_LOAD',
      'BPF_PROG_LOAD',
    ]);
    const btfFd = sys.calls[0]!.result as number;
    const [hash, ro, data, bss] = obj.maps;
    const creates = sys.callsOf('BPF_MAP_CREATE');
    expect(creates[0]!.attr).toMatchObject({ map_name: 'pid_count', btf_fd: btfFd, btf_key_type_id: 2 });
    expect(creates[1]!.attr).toMatchObject({ map_name: 'iter_mul.rodata', map_flags: 0x480, value_size: 28 });
    expect(creates[1]!.attr.btf_value_type_id).toBe(obj.btf!.findByName('.rodata', 'DATASEC'));
    expect(sys.calls[3]!.attr).toMatchObject({ map_fd: ro!.fd });
    expect(sys.calls[4]!.attr).toEqual({ map_fd: ro!.fd });
    expect(sys.calls[6]!.attr.value).toEqual(new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]));

    const loads = sys.callsOf('BPF_PROG_LOAD');
    const a = loads[0]!.attr;
    expect(a).toMatchObject({
      prog_type: BpfProgType.BPF_PROG_TYPE_TRACING,
      expected_attach_type: BpfAttachType.BPF_TRACE_ITER,
      attach_btf_id: k.findByName('bpf_iter_task', 'FUNC'),
      license: 'GPL',
      kern_version: 0x060c00,
      prog_name: 'dump_task',
      prog_btf_fd: btfFd,
      prog_flags: 0,
    });
    expect(a.log_level).toBeUndefined();
    // main (35) + appended count_task (30)
    expect(a.insn_cnt).toBe(65);
    const insns = decodeInsns(a.insns as Uint8Array);
    // CO-RE: task->tgid moved from 4 to 1004 in the "kernel"
    expect(insns[14]).toMatchObject({ off: 1004 });
    // subprogram call points at the appended copy
    expect(insns[18]).toMatchObject({ src: BPF_PSEUDO_CALL, imm: 35 - 18 - 1 });
    // count_task's copy: task->pid 0 -> 1000, hash map ref, .data ref
    expect(insns[35 + 3]).toMatchObject({ off: 1000 });
    expect(insns[35 + 7]).toMatchObject({ code: LDDW, src: BPF_PSEUDO_MAP_FD, imm: hash!.fd });
    expect(insns[35 + 23]).toMatchObject({ code: LDDW, src: BPF_PSEUDO_MAP_VALUE, imm: data!.fd });
    expect(insns[4]).toMatchObject({ code: LDDW, src: BPF_PSEUDO_MAP_VALUE, imm: bss!.fd });
    expect(insns[10]).toMatchObject({ code: LDDW, src: BPF_PSEUDO_MAP_VALUE, imm: ro!.fd });
    expect(insns[11]!.imm).toBe(0);
    // func_info for main and subprog, in instruction units
    expect(a.func_info_cnt).toBe(2);
    const fi = new DataView((a.func_info as Uint8Array).buffer);
    expect([fi.getUint32(0, true), fi.getUint32(8, true)]).toEqual([0, 35]);
    expect(a.line_info_cnt).toBeGreaterThan(5);
    // iter.s -> sleepable, task_file target
    expect(loads[2]!.attr).toMatchObject({
      prog_flags: BPF_F_SLEEPABLE,
      attach_btf_id: k.findByName('bpf_iter_task_file', 'FUNC'),
      insn_cnt: 17,
    });
    for (const p of obj.programs) expect(p.fd).toBeGreaterThan(0);
    obj.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('poisons the unresolved enum read and leaves string references at their .rodata offsets', () => {
    const { sys, obj } = setup();
    obj.load();
    const insns = decodeInsns(sys.callsOf('BPF_PROG_LOAD')[1]!.attr.insns as Uint8Array);
    const poisoned = insns.filter((i) => i.code === 0x85 && i.imm === 0xbad2310);
    expect(poisoned).toHaveLength(2);
    expect(printed.some((p) => p.msg.includes('relo #13: substituting insn #30 w/ invalid insn'))).toBe(true);
    obj.close();
  });

  it('retries a rejected program with a log, growing it on ENOSPC, and reports like libbpf', () => {
    const { sys, obj } = setup();
    const log = `func#0 @0\n${'0: R1=ctx() R10=fp0\n'.repeat(20)}R2 invalid mem access 'trusted_ptr_or_null_'\n`;
    const sizes: number[] = [];
    sys.handler = (cmd, attr) => {
      if (cmd !== 'BPF_PROG_LOAD' || attr.prog_name !== 'dump_task_flags') return undefined;
      if (!attr.log_level) throw new BpfError('EACCES');
      sizes.push(attr.log_size as number);
      if (!writeLog(attr, log)) throw new BpfError('ENOSPC');
      throw new BpfError('EACCES', undefined, { syscall: 'BPF_PROG_LOAD' });
    };
    let err: unknown;
    try {
      obj.load({ logSize: 64 });
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, 'EACCES')).toBe(true);
    expect(err).toBeInstanceOf(VerifierError);
    expect((err as VerifierError).log).toBe(log);
    expect((err as VerifierError).summary).toBe(
      "R2 invalid mem access 'trusted_ptr_or_null_' (21 line(s) omitted)",
    );
    expect(sizes).toEqual([64, 128, 256, 512]);
    expect(warnings()).toEqual([
      "libbpf: prog 'dump_task_flags': BPF program load failed: Permission denied\n",
      `libbpf: prog 'dump_task_flags': -- BEGIN PROG LOAD LOG --\n${log}-- END PROG LOAD LOG --\n`,
      "libbpf: prog 'dump_task_flags': failed to load: -13\n",
      `libbpf: failed to load object '${FIXTURE}'\n`,
    ]);
    // everything created was released, the first program's fd included
    expect(sys.openFds.size).toBe(0);
    expect(obj.programs.every((p) => p.fd === -1)).toBe(true);
    expect(() => obj.load()).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
  });

  it('explains a reachable poisoned CO-RE instruction in the verifier log, as libbpf', () => {
    const { sys, obj } = setup();
    sys.handler = (cmd, attr) => {
      if (cmd !== 'BPF_PROG_LOAD' || attr.prog_name !== 'dump_task_flags') return undefined;
      writeLog(
        attr,
        '29: (bf) r1 = r6\n30: (85) call unknown#195896080\ninvalid func unknown#195896080\nprocessed 31 insns\n',
      );
      throw new BpfError('EINVAL');
    };
    let err: BpfError | undefined;
    try {
      obj.load();
    } catch (e) {
      err = e as BpfError;
    }
    expect(err?.log).toBe(
      '29: (bf) r1 = r6\n30: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation <enumval_value> [33] enum task_state___local::TASK_DEAD___local = 128\nprocessed 31 insns\n',
    );
  });

  it('fails with ESRCH before PROG_LOAD when the iterator target is not in kernel BTF', () => {
    const { sys, obj } = setup(kernelBtf({ withTaskFile: false }));
    expect(() => obj.load()).toThrow(expect.objectContaining({ errno: 'ESRCH' }));
    expect(warnings()).toContain(
      "libbpf: prog 'dump_task_file': failed to find kernel BTF type ID of 'task_file': -3\n",
    );
    expect(warnings()).toContain("libbpf: prog 'dump_task_file': failed to load: -3\n");
    expect(sys.callsOf('BPF_PROG_LOAD')).toHaveLength(2);
    expect(sys.openFds.size).toBe(0);
  });

  it('setAttachTarget overrides the section target', () => {
    const { sys, obj, k } = setup();
    obj.findProgramByName('dump_task')!.setAttachTarget('task_file');
    obj.load();
    expect(sys.callsOf('BPF_PROG_LOAD')[0]!.attr.attach_btf_id).toBe(
      k.findByName('bpf_iter_task_file', 'FUNC'),
    );
    expect(() => obj.programs[0]!.setAttachTarget('task')).toThrow(
      expect.objectContaining({ errno: 'EINVAL' }),
    );
    obj.close();
  });

  it('fails when kernel BTF cannot be read', () => {
    const sys = new FakeSyscalls();
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys });
    expect(() => obj.load()).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    expect(warnings()[0]).toBe('libbpf: Error loading vmlinux BTF: -2\n');
    expect(sys.calls).toHaveLength(0);
  });

  it('goes on without object BTF when BTF_LOAD fails', () => {
    const { sys, obj } = setup();
    sys.handler = (cmd, attr) => {
      if (cmd === 'BPF_BTF_LOAD') {
        writeLog(attr, 'magic: 0xeb9f\nInvalid name\n', 'btf_log_buf');
        throw new BpfError('EINVAL');
      }
      return undefined;
    };
    obj.load();
    expect(sys.callsOf('BPF_BTF_LOAD')).toHaveLength(2);
    expect(warnings()).toContain('libbpf: Error loading .BTF into kernel: -22. BTF is optional, ignoring.\n');
    expect(sys.callsOf('BPF_MAP_CREATE')[0]!.attr.btf_fd).toBeUndefined();
    expect(sys.callsOf('BPF_PROG_LOAD')[0]!.attr.func_info).toBeUndefined();
    expect(obj.btfFd).toBe(-1);
    obj.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('setInitialValue replaces .rodata contents before load', () => {
    const { sys, obj } = setup();
    const ro = obj.findMapByName('.rodata')!;
    const v = ro.initialValue!.slice();
    v[0] = 42;
    ro.setInitialValue(v);
    expect(() => ro.setInitialValue(new Uint8Array(3))).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    obj.load();
    const upd = sys.callsOf('BPF_MAP_UPDATE_ELEM').find((c) => c.attr.map_fd === ro.fd)!;
    expect((upd.attr.value as Uint8Array)[0]).toBe(42);
    expect(() => ro.setInitialValue(v)).toThrow(expect.objectContaining({ errno: 'EBUSY' }));
    obj.close();
  });

  it('can reference maps through fd_array', () => {
    const { sys, obj } = setup();
    obj.load({ useFdArray: true });
    const a = sys.callsOf('BPF_PROG_LOAD')[0]!.attr;
    const fdArray = a.fd_array as number[];
    const insns = decodeInsns(a.insns as Uint8Array);
    expect(insns[4]).toMatchObject({ src: BPF_PSEUDO_MAP_IDX_VALUE });
    expect(fdArray[insns[4]!.imm]).toBe(obj.maps[3]!.fd);
    expect(insns[35 + 7]).toMatchObject({ src: BPF_PSEUDO_MAP_IDX });
    expect(fdArray[insns[35 + 7]!.imm]).toBe(obj.maps[0]!.fd);
    obj.close();
  });

  it('reads kernel BTF from btfCustomPath for CO-RE', () => {
    const sys = new FakeSyscalls();
    sys.files.set('/sys/kernel/btf/vmlinux', encodeBtf(kernelBtf()));
    const custom = kernelBtf();
    const ts = custom.type(custom.findByName('task_struct', 'STRUCT')!);
    if (ts.kind === 'STRUCT') for (const m of ts.members) m.bitOffset += 8000;
    sys.files.set('/tmp/custom.btf', encodeBtf(custom));
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys, btfCustomPath: '/tmp/custom.btf' });
    obj.load();
    const insns = decodeInsns(sys.callsOf('BPF_PROG_LOAD')[0]!.attr.insns as Uint8Array);
    expect(insns[14]).toMatchObject({ off: 2004 });
    obj.close();
  });
});

describe('attach, links and iterators', () => {
  it('auto-attaches every iterator program and closes links, programs and maps', () => {
    const { sys, obj } = setup();
    obj.load();
    obj.attach();
    const lc = sys.callsOf('BPF_LINK_CREATE');
    expect(lc.map((c) => c.attr)).toEqual(
      obj.programs.map((p) => ({
        prog_fd: p.fd,
        target_fd: 0,
        attach_type: BpfAttachType.BPF_TRACE_ITER,
        flags: 0,
      })),
    );
    expect([...obj.links.keys()]).toEqual(['dump_task', 'dump_task_flags', 'dump_task_file']);
    obj.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('attachIter with link info, pin, update, createIter, destroy', () => {
    const { sys, obj } = setup();
    obj.load();
    const [p1, p2] = obj.programs;
    const link = p1!.attachIter({ linkInfo: { map: { map_fd: obj.maps[0]!.fd } } });
    const attr = sys.callsOf('BPF_LINK_CREATE')[0]!.attr;
    expect(attr.iter_info_len).toBe(16);
    expect(new DataView((attr.iter_info as Uint8Array).buffer).getUint32(0, true)).toBe(obj.maps[0]!.fd);
    link.pin('/sys/fs/bpf/it');
    expect(sys.callsOf('BPF_OBJ_PIN')[0]!.attr).toEqual({ pathname: '/sys/fs/bpf/it', bpf_fd: link.fd });
    expect(() => link.pin('/sys/fs/bpf/again')).toThrow(expect.objectContaining({ errno: 'EBUSY' }));
    link.updateProgram(p2!);
    expect(sys.callsOf('BPF_LINK_UPDATE')[0]!.attr).toEqual({
      link_fd: link.fd,
      new_prog_fd: p2!.fd,
      flags: 0,
    });
    const iterFd = createIter(sys, link);
    expect(sys.callsOf('BPF_ITER_CREATE')[0]!.attr).toEqual({ link_fd: link.fd, flags: 0 });
    sys.close(iterFd);
    const reopened = BpfLink.open(sys, '/sys/fs/bpf/it');
    expect(sys.callsOf('BPF_OBJ_GET')[0]!.attr).toEqual({ pathname: '/sys/fs/bpf/it', file_flags: 0 });
    expect(reopened.pinPath).toBe('/sys/fs/bpf/it');
    reopened.destroy();
    p1!.pin('/sys/fs/bpf/prog');
    expect(sys.callsOf('BPF_OBJ_PIN')[1]!.attr).toEqual({ pathname: '/sys/fs/bpf/prog', bpf_fd: p1!.fd });
    link.unpin();
    expect(sys.unlinked).toEqual(['/sys/fs/bpf/it']);
    link.destroy();
    link.destroy();
    obj.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('reports attach failures and attaching before load', () => {
    const { sys, obj } = setup();
    expect(() => obj.programs[0]!.attachIter()).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(warnings()).toContain("libbpf: prog 'dump_task': can't attach before loaded\n");
    obj.load();
    sys.handler = (cmd) => {
      if (cmd === 'BPF_LINK_CREATE') throw new BpfError('EBADF');
      return undefined;
    };
    expect(() => obj.attach()).toThrow(expect.objectContaining({ errno: 'EBADF' }));
    expect(warnings()).toContain(
      "libbpf: prog 'dump_task': failed to attach to iterator: Bad file descriptor\n",
    );
    expect(warnings()).toContain("libbpf: prog 'dump_task': failed to auto-attach: -9\n");
    obj.close();
    expect(sys.openFds.size).toBe(0);
  });

  it('skips programs with autoload or autoattach turned off', () => {
    const { sys, obj } = setup();
    obj.findProgramByName('dump_task_flags')!.autoload = false;
    obj.findProgramByName('dump_task_file')!.autoattach = false;
    obj.load();
    expect(sys.callsOf('BPF_PROG_LOAD').map((c) => c.attr.prog_name)).toEqual([
      'dump_task',
      'dump_task_file',
    ]);
    obj.attach();
    expect([...obj.links.keys()]).toEqual(['dump_task']);
    obj.close();
  });
});

describe('against the real kernel BTF', () => {
  const path = '/sys/kernel/btf/vmlinux';
  let have = false;
  try {
    readFileSync(path, { flag: 'r' }).length;
    have = true;
  } catch {
    have = false;
  }
  it.skipIf(!have)(`patches offsets to the running kernel's layout (needs ${path})`, () => {
    const sys = new FakeSyscalls();
    sys.files.set(path, new Uint8Array(readFileSync(path)));
    const obj = BpfObject.openFile(FIXTURE, { syscalls: sys });
    obj.load();
    const k = obj.kernelBtf!;
    const ts = k.type(k.findByName('task_struct', 'STRUCT')!);
    if (ts.kind !== 'STRUCT') throw new Error('no task_struct');
    const off = (name: string) => ts.members.find((m) => m.name === name)!.bitOffset / 8;
    const insns = decodeInsns(sys.callsOf('BPF_PROG_LOAD')[0]!.attr.insns as Uint8Array);
    expect(insns[14]!.off).toBe(off('tgid'));
    expect(insns[35 + 3]!.off).toBe(off('pid'));
    expect(insns[22]!.imm).toBe(off('comm'));
    obj.close();
  });
});
