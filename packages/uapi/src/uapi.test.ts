import { describe, expect, it } from 'vitest';
import {
  BPF_FUNC,
  BpfAttachType,
  BpfCmd,
  BpfError,
  BpfProgType,
  encodeIterLinkInfo,
  errnoName,
  helperNames,
  isErrno,
  strerror,
} from './index.js';

describe('uapi', () => {
  it('has the kernel numbers the iterator stack uses', () => {
    expect(BpfCmd.BPF_PROG_LOAD).toBe(5);
    expect(BpfCmd.BPF_LINK_CREATE).toBe(28);
    expect(BpfCmd.BPF_ITER_CREATE).toBe(33);
    expect(BpfProgType.BPF_PROG_TYPE_TRACING).toBe(26);
    expect(BpfAttachType.BPF_TRACE_ITER).toBe(28);
    expect(BPF_FUNC.seq_printf).toBe(126);
    expect(BPF_FUNC.seq_write).toBe(127);
    expect(helperNames[126]).toBe('bpf_seq_printf');
    expect(helperNames[150]).toBe('bpf_seq_printf_btf');
  });

  it('carries errno names and numbers on BpfError', () => {
    const err = new BpfError('E2BIG', undefined, { syscall: 'BPF_LINK_CREATE' });
    expect(err.code).toBe(7);
    expect(err.message).toBe('Argument list too long');
    expect(isErrno(err, 'E2BIG')).toBe(true);
    expect(isErrno(err, 'EINVAL')).toBe(false);
    expect(errnoName(-75)).toBe('EOVERFLOW');
    expect(strerror(524)).toBe('Unknown error 524');
  });

  it('encodes union bpf_iter_link_info like the kernel lays it out', () => {
    const task = encodeIterLinkInfo({ task: { pid: 0x1234 } });
    expect([...task.slice(4, 8)]).toEqual([0x34, 0x12, 0, 0]);
    const map = encodeIterLinkInfo({ map: { map_fd: 7 } });
    expect(map[0]).toBe(7);
    expect(map.length).toBe(16);
  });
});
