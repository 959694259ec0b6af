import { BpfAttachType as A, BpfProgType as P } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import {
  findSecDef,
  SEC_ATTACH_BTF,
  SEC_SLEEPABLE,
  SECTION_DEFS,
  secAttachTarget,
  secDefMatches,
} from './secDefs.js';

describe('section_defs', () => {
  it('maps iter/ and iter.s/ to tracing iterators with BTF attach and auto-attach', () => {
    const d = findSecDef('iter/task')!;
    expect(d).toMatchObject({
      sec: 'iter+',
      progType: P.BPF_PROG_TYPE_TRACING,
      expectedAttachType: A.BPF_TRACE_ITER,
      autoAttach: 'iter',
    });
    expect(d.flags & SEC_ATTACH_BTF).toBeTruthy();
    const s = findSecDef('iter.s/task_file')!;
    expect(s.sec).toBe('iter.s+');
    expect(s.flags & SEC_SLEEPABLE).toBeTruthy();
    expect(secAttachTarget('iter/bpf_map_elem')).toBe('bpf_map_elem');
    expect(secAttachTarget('iter')).toBeUndefined();
  });

  it.each([
    ['kprobe/do_sys_open', P.BPF_PROG_TYPE_KPROBE, 0],
    ['kretprobe/do_sys_open', P.BPF_PROG_TYPE_KPROBE, 0],
    ['tracepoint/syscalls/sys_enter_openat', P.BPF_PROG_TYPE_TRACEPOINT, 0],
    ['tp/sched/sched_switch', P.BPF_PROG_TYPE_TRACEPOINT, 0],
    ['raw_tp/sched_switch', P.BPF_PROG_TYPE_RAW_TRACEPOINT, 0],
    ['raw_tp.w/sched_switch', P.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0],
    ['tp_btf/sched_switch', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_RAW_TP],
    ['fentry/do_unlinkat', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY],
    ['fexit/do_unlinkat', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FEXIT],
    ['fentry.s/do_unlinkat', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY],
    ['lsm/file_open', P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC],
    ['socket', P.BPF_PROG_TYPE_SOCKET_FILTER, 0],
    ['xdp', P.BPF_PROG_TYPE_XDP, A.BPF_XDP],
    ['xdp/devmap', P.BPF_PROG_TYPE_XDP, A.BPF_XDP_DEVMAP],
    ['tc', P.BPF_PROG_TYPE_SCHED_CLS, 0],
    ['cgroup_skb/ingress', P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_INGRESS],
    ['cgroup/connect4', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_CONNECT],
    ['sk_lookup', P.BPF_PROG_TYPE_SK_LOOKUP, A.BPF_SK_LOOKUP],
  ])('%s', (name, type, attach) => {
    expect(findSecDef(name)).toMatchObject({ progType: type, expectedAttachType: attach });
  });

  it("follows libbpf's matching rules for '+', '/' and exact names", () => {
    const iter = SECTION_DEFS.find((d) => d.sec === 'iter+')!;
    expect(secDefMatches(iter, 'iter')).toBe(true);
    expect(secDefMatches(iter, 'iter/task')).toBe(true);
    expect(secDefMatches(iter, 'iterx/task')).toBe(false);
    expect(secDefMatches(iter, 'iter.s/task')).toBe(false);
    expect(findSecDef('socketx')).toBeUndefined();
    expect(findSecDef('xdp_foo')).toBeUndefined();
    expect(findSecDef('.text')).toBeUndefined();
  });

  it('has no entry shadowed by an earlier one', () => {
    SECTION_DEFS.forEach((d, i) => {
      const probe = d.sec.replace(/[+/]$/, '') + (d.sec.endsWith('/') || d.sec.endsWith('+') ? '/x' : '');
      expect(findSecDef(probe), `${d.sec} (${probe})`).toBe(SECTION_DEFS[i]);
    });
  });
});
