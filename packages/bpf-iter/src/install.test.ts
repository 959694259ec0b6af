import type { HelperEnv } from '@tsbpf/bpf-vm';
import { BPF_FUNC, BpfError, ERRNO, encodeIterLinkInfo } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { bpfIterExit, bpfIterInit } from './install.js';
import {
  FakeKernel,
  type FakeProgFn,
  TASK_COMM,
  TASK_PID,
  TASK_TGID,
  type WorldTask,
} from './testing/fakeKernel.js';

const world: WorldTask[] = [
  {
    pid: 1,
    tgid: 1,
    comm: 'systemd',
    fds: { 0: '/dev/null', 1: '/dev/null', 2: '/dev/null', 7: 'socket:[100]' },
  },
  { pid: 2, tgid: 2, comm: 'kthreadd' },
  { pid: 40, tgid: 40, comm: 'sshd', fds: { 3: 'socket:[200]', 0: '/dev/null' } },
  { pid: 41, tgid: 40, comm: 'sshd-worker', sharesFiles: true },
  { pid: 42, tgid: 40, comm: 'sshd-own', fds: { 5: '/var/log/own' } },
  { pid: 100, tgid: 100, comm: 'bash', fds: { 0: '/dev/pts/0', 255: '/dev/pts/0' } },
];

const enc = new TextEncoder();

/** bpf_seq_printf from a "program": fmt and args go to a stack region, as BPF_SEQ_PRINTF does. */
function seqPrintf(
  k: FakeKernel,
  env: HelperEnv,
  stack: bigint,
  seq: bigint,
  fmt: string,
  args: bigint[],
): bigint {
  const f = enc.encode(`${fmt}\0`);
  k.mem.writeBytes(stack, f);
  for (const [i, a] of args.entries()) k.mem.store(stack + 256n + BigInt(8 * i), 8, a);
  return k.call(
    env,
    BPF_FUNC.seq_printf,
    seq,
    stack,
    BigInt(f.length),
    stack + 256n,
    BigInt(8 * args.length),
  );
}

/** iter/task: a ps-like table plus a final "N tasks" line (like selftests/bpf/iter_task.bpf.c). */
function psProg(k: FakeKernel): FakeProgFn {
  const stack = k.allocBytes(512, 'stack');
  return (ctx, env) => {
    const meta = k.mem.load(ctx, 8);
    const seq = k.mem.load(meta, 8);
    const seqNum = k.mem.load(meta + 16n, 8);
    const task = k.mem.load(ctx + 8n, 8);
    if (task === 0n) {
      seqPrintf(k, env, stack, seq, '%llu tasks\n', [seqNum + 1n]);
      return 0;
    }
    if (seqNum === 0n) seqPrintf(k, env, stack, seq, '    TGID      PID COMM\n', []);
    const pid = k.mem.load(task + BigInt(TASK_PID), 4);
    const tgid = k.mem.load(task + BigInt(TASK_TGID), 4);
    seqPrintf(k, env, stack, seq, '%8d %8d %s\n', [tgid, pid, task + BigInt(TASK_COMM)]);
    return 0;
  };
}

/** iter/task_file: "tgid pid fd path", final "done". */
function filesProg(k: FakeKernel): FakeProgFn {
  const stack = k.allocBytes(512, 'stack');
  return (ctx, env) => {
    const meta = k.mem.load(ctx, 8);
    const seq = k.mem.load(meta, 8);
    const task = k.mem.load(ctx + 8n, 8);
    const fd = k.mem.load(ctx + 16n, 4);
    const file = k.mem.load(ctx + 24n, 8);
    if (task === 0n) {
      seqPrintf(k, env, stack, seq, 'done fd=%u file=%lx\n', [fd, file]);
      return 0;
    }
    const pid = k.mem.load(task + BigInt(TASK_PID), 4);
    const tgid = k.mem.load(task + BigInt(TASK_TGID), 4);
    seqPrintf(k, env, stack, seq, '%d %d %d %s\n', [tgid, pid, fd, file]);
    return 0;
  };
}

function setup() {
  const k = new FakeKernel(world);
  const sub = bpfIterInit(k);
  return { k, sub };
}

const errnoOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof BpfError) return e.errno;
    throw e;
  }
  return undefined;
};

describe('bpfIterInit: task iterator end to end', () => {
  it('a ps-like table of every task in pid order, with the final call', () => {
    const { k } = setup();
    const prog = k.loadProg('task', psProg(k));
    const link = k.linkCreate(prog);
    const file = link.iterCreate?.('opener');
    const out = k.readAll(file);
    const expected = [
      '    TGID      PID COMM',
      ...[...world]
        .sort((a, b) => a.pid - b.pid)
        .map((t) => `${String(t.tgid).padStart(8)} ${String(t.pid).padStart(8)} ${t.comm}`),
      `${world.length} tasks`,
      '',
    ].join('\n');
    expect(out).toBe(expected);
  });

  it('1-byte reads give the same bytes; every open is a new session with consecutive ids', () => {
    const { k, sub } = setup();
    const ids: bigint[] = [];
    const stackProg = psProg(k);
    const prog = k.loadProg('task', (ctx, env) => {
      ids.push(k.mem.load(k.mem.load(ctx, 8) + 8n, 8));
      return stackProg(ctx, env);
    });
    const link = k.linkCreate(prog);
    const big = k.readAll(link.iterCreate?.('a'));
    const small = k.readAll(link.iterCreate?.('b'), 1);
    expect(small).toBe(big);
    expect([...new Set(ids)]).toEqual([1n, 2n]);
    expect(sub.state.sessionId).toBe(2n);
  });

  it('tid / pid parameters: TID visits one task, PID the thread group leader first; more than one -> EINVAL', () => {
    const { k } = setup();
    const prog = k.loadProg('task', psProg(k));
    const tid = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { tid: 41 } }),
      iter_info_len: 16,
    });
    expect(k.readAll(tid.iterCreate?.('x'))).toBe(
      '    TGID      PID COMM\n      40       41 sshd-worker\n1 tasks\n',
    );
    const pid = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { pid: 40 } }),
      iter_info_len: 16,
    });
    expect(k.readAll(pid.iterCreate?.('x')).split('\n').slice(1, 4)).toEqual([
      '      40       40 sshd',
      '      40       41 sshd-worker',
      '      40       42 sshd-own',
    ]);
    // A pid that is not a thread group leader yields no object; a missing tid too. Only the final
    // call runs, with seq_num 0 (so this program's "seq_num + 1" prints 1).
    const nonLeader = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { pid: 41 } }),
      iter_info_len: 16,
    });
    expect(k.readAll(nonLeader.iterCreate?.('x'))).toBe('1 tasks\n');
    const missing = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { tid: 9999 } }),
      iter_info_len: 16,
    });
    expect(k.readAll(missing.iterCreate?.('x'))).toBe('1 tasks\n');
    expect(
      errnoOf(() =>
        k.linkCreate(prog, {
          iter_info: encodeIterLinkInfo({ task: { tid: 1, pid: 1 } }),
          iter_info_len: 16,
        }),
      ),
    ).toBe('EINVAL');
  });

  it('fdinfo and link info of task links', () => {
    const { k } = setup();
    const prog = k.loadProg('task', psProg(k));
    expect(k.linkCreate(prog).fdinfo?.()).toBe('target_name:\ttask\ntask_type:\tALL\n');
    const tid = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { tid: 41 } }),
      iter_info_len: 16,
    });
    expect(tid.fdinfo?.()).toBe('target_name:\ttask\ntask_type:\tTID\ntid:\t41\n');
    const pid = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { pid: 40 } }),
      iter_info_len: 16,
    });
    expect(pid.fdinfo?.()).toBe('target_name:\ttask\ntask_type:\tPID\npid:\t40\n');
    const info = new DataView(new ArrayBuffer(48));
    info.setUint32(24, 16, true);
    const name = new Uint8Array(16);
    pid.fillInfo?.(info, 48, name);
    expect(new TextDecoder().decode(name.subarray(0, 4))).toBe('task');
    expect(name[4]).toBe(0);
    expect(info.getUint32(24, true)).toBe(5);
    expect(info.getUint32(36, true)).toBe(40);
    expect(info.getUint32(32, true)).toBe(0);
  });

  it('link update: files opened before keep the old program, files opened after use the new one', () => {
    const { k } = setup();
    const progA = k.loadProg('task', psProg(k));
    const stack = k.allocBytes(64, 'stack');
    const progB = k.loadProg('task', (ctx, env) => {
      const seq = k.mem.load(k.mem.load(ctx, 8), 8);
      if (k.mem.load(ctx + 8n, 8) !== 0n) seqPrintf(k, env, stack, seq, 'B', []);
      return 0;
    });
    const link = k.linkCreate(progA);
    const before = link.iterCreate?.('x');
    link.update?.(progB, undefined);
    const after = link.iterCreate?.('x');
    expect(k.readAll(after)).toBe('B'.repeat(world.length));
    expect(k.readAll(before).endsWith(`${world.length} tasks\n`)).toBe(true);
    const progMap = k.loadProg('bpf_map', () => 0);
    expect(errnoOf(() => link.update?.(progMap, undefined))).toBe('EINVAL');
    expect(errnoOf(() => link.update?.(progA, progA))).toBe('EPERM');
  });

  it('sessions take a program reference at open and drop it at release; kernel objects are freed', () => {
    const { k } = setup();
    const prog = k.loadProg('task', psProg(k));
    const link = k.linkCreate(prog);
    const base = k.liveAllocations;
    const f = link.iterCreate?.('x') as {
      fops: {
        release(f: unknown): void;
        llseek(f: unknown, o: number, w: number): number;
        write(f: unknown, d: Uint8Array): number;
      };
      flags: number;
    };
    expect(prog.refcnt).toBe(2);
    expect(f.flags).toBe(0o2000000);
    expect(f.fops.llseek(f, 0, 0)).toBe(-ERRNO.ESPIPE);
    expect(f.fops.write(f, new Uint8Array(1))).toBe(-ERRNO.EBADF);
    f.fops.release(f);
    expect(prog.refcnt).toBe(1);
    expect(k.liveAllocations).toBe(base);
    const pinned = link.open?.('x', 2) as typeof f;
    expect(pinned.fops.write(pinned, new Uint8Array(1))).toBe(-ERRNO.EINVAL);
  });

  it('bpfIterExit unregisters the link type, the attach resolver and the helpers', () => {
    const { k, sub } = setup();
    expect(k.linkTypes).toHaveLength(1);
    expect(k.helpers.size).toBe(2);
    bpfIterExit(sub);
    expect(k.linkTypes).toHaveLength(0);
    expect(k.attachTargets).toHaveLength(0);
    expect(k.helpers.size).toBe(0);
    expect(sub.targets.all()).toHaveLength(0);
  });

  it('the attach resolver gives the verifier the ctx arg table, or EINVAL with Linux log lines', () => {
    const { k } = setup();
    const resolve = k.attachTargets[0]!;
    const id = k.btf.findByName('bpf_iter_task_file', 'FUNC')!;
    const prog = k.loadProg('task_file', () => 0);
    expect(resolve({ btfId: id, funcName: 'bpf_iter_task_file', prog }).ctxArgs).toEqual([
      { offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL', btf_struct: 'task_struct' },
      { offset: 24, reg_type: 'PTR_TO_BTF_ID_OR_NULL', btf_struct: 'file' },
    ]);
    const notFunc = k.btf.findByName('bpf_iter_notfunc')!;
    try {
      resolve({ btfId: notFunc, funcName: 'bpf_iter_notfunc', prog });
      expect.unreachable();
    } catch (e) {
      expect((e as BpfError).errno).toBe('EINVAL');
      expect((e as BpfError).log).toBe(`attach_btf_id ${notFunc} is not a function\n`);
    }
    // bpf_iter_bpf_map exists in BTF but no bpf_map target is registered yet.
    const mapId = k.btf.findByName('bpf_iter_bpf_map', 'FUNC')!;
    expect(errnoOf(() => resolve({ btfId: mapId, funcName: 'bpf_iter_bpf_map', prog }))).toBe('EINVAL');
    const other = k.btf.findByName('do_sys_open', 'FUNC')!;
    expect(errnoOf(() => resolve({ btfId: other, funcName: 'do_sys_open', prog }))).toBe('EINVAL');
  });
});

describe('bpfIterInit: overflow retry through the real helpers', () => {
  it('two tasks writing 32760 bytes each: reads 32760, 32760, 0; the second ran twice, first seeing -EOVERFLOW', () => {
    const { k } = setup();
    const big = k.allocBytes(32760, 'payload');
    const seen: [bigint, bigint, bigint][] = [];
    const prog = k.loadProg('task', (ctx, env) => {
      const meta = k.mem.load(ctx, 8);
      const task = k.mem.load(ctx + 8n, 8);
      if (task === 0n) return 0;
      const pid = k.mem.load(task + BigInt(TASK_PID), 4);
      if (pid > 2n) return 0;
      const r = k.call(env, BPF_FUNC.seq_write, k.mem.load(meta, 8), big, 32760n);
      seen.push([pid, k.mem.load(meta + 16n, 8), r]);
      return 0;
    });
    const file = k.linkCreate(prog).iterCreate?.('x');
    const sizes = [k.read(file, 1 << 20), k.read(file, 1 << 20), k.read(file, 1 << 20)].map((r) =>
      typeof r === 'number' ? r : r.length,
    );
    expect(sizes).toEqual([32760, 32760, 0]);
    expect(seen).toEqual([
      [1n, 0n, 0n],
      [2n, 1n, BigInt.asUintN(64, BigInt(-ERRNO.EOVERFLOW))],
      [2n, 1n, 0n],
    ]);
  });
});

describe('bpfIterInit: pid namespace of the opener', () => {
  it("a session walks the namespace captured at open, in that namespace's pid order", () => {
    const { k } = setup();
    // A child namespace holding the sshd thread group, renumbered 1..3 in reverse order.
    const childNr = new Map([
      [42, 1],
      [41, 2],
      [40, 3],
    ]);
    k.pidNsOf = (proc) => (proc === 'in-child' ? 'child' : undefined);
    k.pidNr = (t, ns) => (ns === 'child' ? (childNr.get(t.pid) ?? 0) : t.pid);
    const link = k.linkCreate(k.loadProg('task', psProg(k)));
    const child = link.iterCreate?.('in-child');
    const host = link.iterCreate?.('on-host');
    // The program still prints the global pid; the order and the set follow the opener's namespace.
    expect(k.readAll(child)).toBe(
      '    TGID      PID COMM\n      40       42 sshd-own\n      40       41 sshd-worker\n      40       40 sshd\n3 tasks\n',
    );
    expect(k.readAll(host).endsWith(`${world.length} tasks\n`)).toBe(true);
  });
});

describe('bpfIterInit: task_file iterator', () => {
  it('files by fd per task; threads sharing the leader files table are skipped; final call has NULL task/file and fd 0', () => {
    const { k } = setup();
    const link = k.linkCreate(k.loadProg('task_file', filesProg(k)));
    expect(k.readAll(link.iterCreate?.('x'))).toBe(
      [
        '1 1 0 /dev/null',
        '1 1 1 /dev/null',
        '1 1 2 /dev/null',
        '1 1 7 socket:[100]',
        '40 40 0 /dev/null',
        '40 40 3 socket:[200]',
        '40 42 5 /var/log/own',
        '100 100 0 /dev/pts/0',
        '100 100 255 /dev/pts/0',
        'done fd=0 file=0',
        '',
      ].join('\n'),
    );
  });

  it('TID of a thread sharing files: its files are attributed to it (no skip in TID mode)', () => {
    const { k } = setup();
    const prog = k.loadProg('task_file', filesProg(k));
    const link = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { tid: 41 } }),
      iter_info_len: 16,
    });
    expect(k.readAll(link.iterCreate?.('x'))).toBe(
      '40 41 0 /dev/null\n40 41 3 socket:[200]\ndone fd=0 file=0\n',
    );
    const pid = k.linkCreate(prog, {
      iter_info: encodeIterLinkInfo({ task: { pid: 40 } }),
      iter_info_len: 16,
    });
    expect(k.readAll(pid.iterCreate?.('x'), 1)).toBe(
      '40 40 0 /dev/null\n40 40 3 socket:[200]\n40 42 5 /var/log/own\ndone fd=0 file=0\n',
    );
  });
});
