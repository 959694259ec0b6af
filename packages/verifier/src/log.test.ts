import { describe, expect, it } from 'vitest';
import { LogBuffer } from './log.js';

describe('LogBuffer', () => {
  it('appends, drops the last character and joins', () => {
    const l = new LogBuffer(true);
    l.write('0: (b7) r0 = 0\n');
    expect(l.length).toBe(15);
    l.dropLastChar();
    l.write('   ; R0=0\n');
    expect(l.toString()).toBe('0: (b7) r0 = 0   ; R0=0\n');
    expect(l.length).toBe(l.toString().length);
  });
  it('a disabled log stays empty (log_level 0)', () => {
    const l = new LogBuffer(false);
    l.write('x');
    expect(l.toString()).toBe('');
    expect(l.length).toBe(0);
  });
  it('drops a one-character chunk whole', () => {
    const l = new LogBuffer(true);
    l.write('a');
    l.write('\n');
    l.dropLastChar();
    expect(l.toString()).toBe('a');
  });
});
