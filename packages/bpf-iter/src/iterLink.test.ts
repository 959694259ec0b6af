import { BPF_F_REPLACE, ERRNO, type LinkCreateAttr } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import {
  BpfIterLink,
  bpfIterCreate,
  bpfIterLinkCreate,
  bpfIterLinkDetach,
  bpfIterLinkFdinfo,
  bpfIterLinkFillLinkInfo,
  bpfIterLinkUpdate,
} from './iterLink.js';
import type { IterProg, IterTaskKernel } from './kernelApi.js';
import type { BpfIterSessionState } from './session.js';
import { type BpfIterReg, BpfIterTargets } from './target.js';
import { taskTarget } from './targets/task.js';
import { FakeKernel, type FakeProg } from './testing/fakeKernel.js';

const cache = new WeakMap<FakeProg, IterProg>();
/** The IterProg view of a fake kernel program (what install.ts builds for kernel-sim programs). */
function ip(p: FakeProg): IterProg {
  let v = cache.get(p);
  if (!v) {
    v = {
      id: p.id,
      tag: p.tag,
      prog_type: p.type,
      expected_attach_type: p.expectedAttachType,
      attach_btf_id: p.attachBtfId,
      sleepable: p.sleepable ?? false,
      run: () => 0n,
      get: () => p.get(),
      put: () => p.put(),
    };
    cache.set(p, v);
  }
  return v;
}

/** A non-resched target without parameters, like bpf_map. */
const mapLike: BpfIterReg<IterTaskKernel> = {
  target: 'bpf_map',
  ctx_arg_info: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL', btf_struct: 'bpf_map' }],
  ctxSize: 16,
  feature: 0,
  seq_info: { open: () => ({ start: () => null, next: () => null, show: () => 0, stop: () => {} }) },
};

function setup() {
  const k = new FakeKernel([{ pid: 1, tgid: 1, comm: 'init' }]);
  const kernel: IterTaskKernel = {
    memory: k.mem,
    vmlinuxBtf: k.btf,
    kzalloc: (n, s) => k.allocBytes(s, n),
    kfree: (a) => k.free(a),
    pidNamespaceOf: () => ({ findGeTask: () => undefined, findTask: () => undefined, pidNr: () => 0 }),
    pidfdToTgid: (_c, fd) => (fd === 77 ? 1234 : -ERRNO.EBADF),
  };
  const targets = new BpfIterTargets<IterTaskKernel>();
  targets.register(taskTarget);
  targets.register(mapLike);
  const create = (prog: FakeProg, attr: Partial<LinkCreateAttr> = {}) =>
    bpfIterLinkCreate(kernel, targets, ip(prog), { prog_fd: 3, attach_type: 28, ...attr }, 'caller');
  return { k, kernel, targets, create };
}

describe('BPF_LINK_CREATE checks (reference §4.1, in order)', () => {
  it('attach type, target_fd, flags, iter_info / len, tail bytes, target, sleepable, params', () => {
    const { k, create } = setup();
    const task = k.loadProg('task', () => 0);
    expect(create(task, { attach_type: 24 /* BPF_TRACE_FENTRY */ })).toBe(-ERRNO.EINVAL);
    expect(create(task, { target_fd: 5 })).toBe(-ERRNO.EINVAL);
    expect(create(task, { flags: 1 })).toBe(-ERRNO.EINVAL);
    expect(create(task, { iter_info_len: 16 })).toBe(-ERRNO.EINVAL);
    expect(create(task, { iter_info: new Uint8Array(16), iter_info_len: 0 })).toBe(-ERRNO.EINVAL);
    // Longer than the union: a zero tail is fine, a non-zero one is E2BIG; over a page is E2BIG.
    expect(create(task, { iter_info: new Uint8Array(24), iter_info_len: 24 })).toBeInstanceOf(BpfIterLink);
    const tail = new Uint8Array(24);
    tail[20] = 1;
    expect(create(task, { iter_info: tail, iter_info_len: 24 })).toBe(-ERRNO.E2BIG);
    expect(create(task, { iter_info: new Uint8Array(4097), iter_info_len: 4097 })).toBe(-ERRNO.E2BIG);
    // The E2BIG check comes before the target lookup.
    const other = k.loadProg('nosuch', () => 0);
    expect(create(other, { iter_info: tail, iter_info_len: 24 })).toBe(-ERRNO.E2BIG);
    expect(create(other)).toBe(-ERRNO.ENOENT);
    expect(create(k.loadProg('bpf_map', () => 0, { sleepable: true }))).toBe(-ERRNO.EINVAL);
    expect(create(k.loadProg('task', () => 0, { sleepable: true }))).toBeInstanceOf(BpfIterLink);
    const two = new Uint8Array(16);
    two[0] = 1;
    two[8] = 3;
    expect(create(task, { iter_info: two, iter_info_len: 16 })).toBe(-ERRNO.EINVAL);
  });

  it('task params: pid_fd resolves to a tgid (PID mode); a bad pidfd fails with its errno', () => {
    const { k, create } = setup();
    const task = k.loadProg('task', () => 0);
    const info = new Uint8Array(16);
    info[8] = 77;
    const link = create(task, { iter_info: info, iter_info_len: 16 });
    expect(link).toBeInstanceOf(BpfIterLink);
    expect((link as BpfIterLink).aux.task).toEqual({ type: 'PID', pid: 1234 });
    info[8] = 5;
    expect(create(task, { iter_info: info, iter_info_len: 16 })).toBe(-ERRNO.EBADF);
  });
});

describe('BPF_LINK_UPDATE / DETACH / fdinfo / link info / ITER_CREATE', () => {
  it('update flag rules, EPERM on a stale old program, EINVAL on a different target', () => {
    const { k, create } = setup();
    const a = k.loadProg('task', () => 0);
    const b = k.loadProg('task', () => 0);
    const m = k.loadProg('bpf_map', () => 0);
    const link = create(a) as BpfIterLink<IterTaskKernel>;
    expect(bpfIterLinkUpdate(link, ip(b), 1, undefined)).toBe(-ERRNO.EINVAL);
    expect(bpfIterLinkUpdate(link, ip(b), 0, ip(a))).toBe(-ERRNO.EINVAL);
    expect(bpfIterLinkUpdate(link, ip(b), BPF_F_REPLACE, ip(b))).toBe(-ERRNO.EPERM);
    expect(bpfIterLinkUpdate(link, ip(m), 0, undefined)).toBe(-ERRNO.EINVAL);
    expect(bpfIterLinkUpdate(link, ip(a), 0, undefined)).toBe(0); // same program: fine
    expect(bpfIterLinkUpdate(link, ip(b), BPF_F_REPLACE, ip(a))).toBe(0);
    expect(link.prog).toBe(ip(b));
    expect(b.refcnt).toBe(1);
    expect(bpfIterLinkDetach(link)).toBe(-ERRNO.EOPNOTSUPP);
  });

  it('fdinfo lines, as Linux prints them', () => {
    const { k, create } = setup();
    const link = create(k.loadProg('bpf_map', () => 0)) as BpfIterLink<IterTaskKernel>;
    link.id = 339;
    expect(bpfIterLinkFdinfo(link)).toBe(
      `link_type:\titer\nlink_id:\t339\nprog_tag:\t${link.prog.tag}\nprog_id:\t${link.prog.id}\ntarget_name:\tbpf_map\n`,
    );
  });

  it('link info target_name: both zero -> length only; one zero -> EINVAL; too small -> truncated + ENOSPC', () => {
    const { k, create } = setup();
    const link = create(k.loadProg('bpf_map', () => 0)) as BpfIterLink<IterTaskKernel>;
    const info = new DataView(new ArrayBuffer(48));
    expect(bpfIterLinkFillLinkInfo(link, info, undefined)).toBe(0);
    expect(info.getUint32(24, true)).toBe(8);
    info.setUint32(24, 0, true);
    expect(bpfIterLinkFillLinkInfo(link, info, new Uint8Array(4))).toBe(-ERRNO.EINVAL);
    info.setUint32(24, 4, true);
    expect(bpfIterLinkFillLinkInfo(link, info, undefined)).toBe(-ERRNO.EINVAL);
    const buf = new Uint8Array(4);
    expect(bpfIterLinkFillLinkInfo(link, info, buf)).toBe(-ERRNO.ENOSPC);
    expect(new TextDecoder().decode(buf)).toBe('bpf\0');
  });

  it('BPF_ITER_CREATE: flags -> EINVAL, not an iterator link -> EINVAL', () => {
    const { k, kernel, create } = setup();
    const state: BpfIterSessionState = { sessionId: 0n };
    const link = create(k.loadProg('task', () => 0)) as BpfIterLink<IterTaskKernel>;
    expect(bpfIterCreate(state, kernel, link, 1, 'x')).toBe(-ERRNO.EINVAL);
    expect(bpfIterCreate(state, kernel, undefined, 0, 'x')).toBe(-ERRNO.EINVAL);
    const f = bpfIterCreate(state, kernel, link, 0, 'x');
    expect(typeof f).toBe('object');
    expect(state.sessionId).toBe(1n);
  });
});
