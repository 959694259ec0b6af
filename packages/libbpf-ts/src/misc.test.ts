import { describe, expect, it, vi } from 'vitest';
import { internalMapName } from './mapDefs.js';
import { objectNameFromPath } from './open.js';
import { defaultPrint, envLogLevel, libbpfPrint, setPrint } from './print.js';

describe('internal map names', () => {
  it('prefixes up to 8 object characters, like libbpf', () => {
    expect(internalMapName('iter_task', '.rodata')).toBe('iter_tas.rodata');
    expect(internalMapName('iter_task', '.bss')).toBe('iter_tas.bss');
    expect(internalMapName('ab', '.data')).toBe('ab.data');
    expect(internalMapName('iter_task', '.rodata.str1.1')).toBe('.rodata.str1.1');
    expect(internalMapName('my-obj', '.data')).toBe('my_obj.data');
    expect(internalMapName('x', '.data.a_very_long_section_name')).toBe('.data.a_very_lo');
  });
  it('takes the object name from the path up to the first dot', () => {
    expect(objectNameFromPath('/a/b/iter_task.bpf.o')).toBe('iter_task');
    expect(objectNameFromPath('noext')).toBe('noext');
  });
});

describe('print callback', () => {
  it('setPrint returns the previous callback; messages carry the libbpf prefix', () => {
    const got: string[] = [];
    const prev = setPrint((level, m) => got.push(`${level}:${m}`));
    libbpfPrint('warn', "prog 'x': oops");
    libbpfPrint('debug', 'two\n');
    const mine = setPrint(null);
    libbpfPrint('warn', 'silenced');
    setPrint(prev);
    expect(typeof mine).toBe('function');
    expect(got).toEqual(["warn:libbpf: prog 'x': oops\n", 'debug:libbpf: two\n']);
  });
  it('reads LIBBPF_LOG_LEVEL', () => {
    expect(envLogLevel({ LIBBPF_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(envLogLevel({ LIBBPF_LOG_LEVEL: 'warn' })).toBe('warn');
    expect(envLogLevel({ LIBBPF_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(envLogLevel({ LIBBPF_LOG_LEVEL: 'bogus' })).toBe('info');
    expect(envLogLevel({})).toBe('info');
  });
  it('the default callback writes warn and info to stderr, debug only with LIBBPF_LOG_LEVEL=debug', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const saved = process.env.LIBBPF_LOG_LEVEL;
    try {
      delete process.env.LIBBPF_LOG_LEVEL;
      defaultPrint('warn', 'libbpf: w\n');
      defaultPrint('info', 'libbpf: i\n');
      defaultPrint('debug', 'libbpf: d\n');
      process.env.LIBBPF_LOG_LEVEL = 'debug';
      defaultPrint('debug', 'libbpf: d2\n');
      expect(spy.mock.calls.map((c) => c[0])).toEqual(['libbpf: w\n', 'libbpf: i\n', 'libbpf: d2\n']);
    } finally {
      if (saved === undefined) delete process.env.LIBBPF_LOG_LEVEL;
      else process.env.LIBBPF_LOG_LEVEL = saved;
      spy.mockRestore();
    }
  });
});
