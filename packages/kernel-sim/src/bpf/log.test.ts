import { BPF_LOG_FIXED } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { VerifierLog } from './log.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));

describe('verifier log buffer (kernel/bpf/log.c)', () => {
  it('validates attributes', () => {
    expect(VerifierLog.init(0, undefined, 0)).toBeDefined();
    expect(VerifierLog.init(1, undefined, 0)).toBeDefined(); // size probing without a buffer
    expect(VerifierLog.init(0, new Uint8Array(8), 8)).toBeUndefined();
    expect(VerifierLog.init(1, new Uint8Array(8), 0)).toBeUndefined();
    expect(VerifierLog.init(1, undefined, 8)).toBeUndefined();
    expect(VerifierLog.init(32, new Uint8Array(8), 8)).toBeUndefined();
    expect(VerifierLog.init(1 | 2 | 4 | 8, new Uint8Array(8), 8)).toBeDefined();
  });

  it('fits: true size counts the NUL, no error', () => {
    const buf = new Uint8Array(32).fill(0xff);
    const log = VerifierLog.init(1, buf, 32)!;
    log.write('abc\n');
    log.write('de\n');
    expect(log.finalize()).toEqual({ trueSize: 8 });
    expect(text(buf)).toBe('abc\nde\n');
  });

  it('rotating mode keeps the tail and reports ENOSPC', () => {
    const buf = new Uint8Array(8);
    const log = VerifierLog.init(1, buf, 8)!;
    log.write('0123456789\n');
    log.write('abcdef\n');
    expect(log.finalize()).toEqual({ trueSize: 19, errno: 'ENOSPC' });
    expect(text(buf)).toBe('abcdef\n');
  });

  it('fixed mode keeps the head', () => {
    const buf = new Uint8Array(8);
    const log = VerifierLog.init(1 | BPF_LOG_FIXED, buf, 8)!;
    log.write('0123456789\n');
    expect(log.finalize()).toEqual({ trueSize: 12, errno: 'ENOSPC' });
    expect(text(buf)).toBe('0123456');
  });

  it('exactly full (len + NUL == size) is not truncated', () => {
    const buf = new Uint8Array(5);
    const log = VerifierLog.init(1, buf, 5)!;
    log.write('abcd');
    expect(log.finalize()).toEqual({ trueSize: 5 });
    expect(text(buf)).toBe('abcd');
  });

  it('level without buffer reports the size it needs', () => {
    const log = VerifierLog.init(1, undefined, 0)!;
    log.write('hello\n');
    expect(log.finalize()).toEqual({ trueSize: 7 });
  });

  it('a user buffer shorter than log_size faults (EFAULT)', () => {
    const log = VerifierLog.init(1, new Uint8Array(4), 64)!;
    log.write('x\n');
    expect(log.finalize().errno).toBe('EFAULT');
  });
});
