import { ERRNO } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { bpfSeqRead, MAX_ITER_OBJECTS } from './seqRead.js';
import { bytesOf, createFakeIter } from './testing/fakeTarget.js';

const enc = new TextEncoder();

/** Reads until 0 or an error (at most `max` calls); returns each read's result. */
function readAll(
  seq: Parameters<typeof bpfSeqRead>[0],
  n: number,
  max = 100000,
): { results: number[]; bytes: Uint8Array } {
  const results: number[] = [];
  const chunks: Uint8Array[] = [];
  const out = new Uint8Array(n);
  for (let i = 0; i < max; i++) {
    const r = bpfSeqRead(seq, out);
    results.push(r);
    if (r > 0) chunks.push(out.slice(0, r));
    if (r <= 0) break;
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { results, bytes };
}

describe('bpf_seq_read (reference §1, observed on 6.18)', () => {
  it('two objects of 32760 bytes: reads 32760, 32760, 0; the second ran twice with the same seq_num', () => {
    const writes: number[] = [];
    const it = createFakeIter(['a', 'b'], (seq, obj) => {
      if (obj) writes.push(seq.write(bytesOf(32760)));
      return 0;
    });
    const { results } = readAll(it.seq, 1 << 20);
    expect(results).toEqual([32760, 32760, 0]);
    const b = it.calls.filter((c) => c.obj === 'b');
    expect(b).toHaveLength(2);
    expect(b[0]?.seqNum).toBe(1n);
    expect(b[1]?.seqNum).toBe(1n);
    // bpf_seq_write turns seq_write's -1 into -EOVERFLOW; the first run of b failed.
    expect(writes).toEqual([0, -1, 0]);
  });

  it('one object of 8200 bytes is one read (the seed buffer would have failed)', () => {
    const it = createFakeIter(['a'], (seq, obj) => (obj ? seq.write(bytesOf(8200)) && 0 : 0));
    expect(readAll(it.seq, 1 << 20).results).toEqual([8200, 0]);
  });

  it('size - 1 rule: 32767 bytes fit, 32768 and 32776 are E2BIG on every read', () => {
    const ok = createFakeIter(['a'], (seq, obj) => (obj ? seq.write(bytesOf(32767)) && 0 : 0));
    expect(readAll(ok.seq, 1 << 20).results).toEqual([32767, 0]);
    for (const len of [32768, 32776]) {
      const it = createFakeIter(['a'], (seq, obj) => (obj ? seq.write(bytesOf(len)) && 0 : 0));
      const out = new Uint8Array(1 << 20);
      expect([bpfSeqRead(it.seq, out), bpfSeqRead(it.seq, out), bpfSeqRead(it.seq, out)]).toEqual([
        -ERRNO.E2BIG,
        -ERRNO.E2BIG,
        -ERRNO.E2BIG,
      ]);
      // The program ran once per read, always on the first object.
      expect(it.calls.map((c) => c.obj)).toEqual(['a', 'a', 'a']);
    }
  });

  it('final call spilling: reads 32000, 1600, 0; the final call ran twice with the same seq_num', () => {
    const it = createFakeIter(['a'], (seq, obj) => {
      seq.write(bytesOf(obj ? 32000 : 1600));
      return 0;
    });
    expect(readAll(it.seq, 1 << 20).results).toEqual([32000, 1600, 0]);
    const finals = it.calls.filter((c) => c.obj === null);
    expect(finals.map((c) => c.seqNum)).toEqual([0n, 0n]);
  });

  it('final call larger than 32767 bytes: E2BIG forever', () => {
    const it = createFakeIter([] as string[], (seq) => {
      seq.write(bytesOf(40000));
      return 0;
    });
    const out = new Uint8Array(1 << 20);
    for (let i = 0; i < 3; i++) expect(bpfSeqRead(it.seq, out)).toBe(-ERRNO.E2BIG);
    expect(it.calls).toHaveLength(3);
  });

  it('program returns 1 once on the second object: reads 8, 8, 0 and b is seen twice with one seq_num', () => {
    let first = true;
    const it = createFakeIter(['a', 'b'], (seq, obj) => {
      if (!obj) return 0;
      seq.write(bytesOf(8));
      if (obj === 'b' && first) {
        first = false;
        return 1;
      }
      return 0;
    });
    expect(readAll(it.seq, 1 << 20).results).toEqual([8, 8, 0]);
    expect(it.calls.filter((c) => c.obj === 'b').map((c) => c.seqNum)).toEqual([1n, 1n]);
  });

  it('program returns 1 once on the first object: EAGAIN, then 16 bytes, then 0', () => {
    let first = true;
    const it = createFakeIter(['a', 'b'], (seq, obj) => {
      if (!obj) return 0;
      seq.write(bytesOf(8));
      if (first) {
        first = false;
        return 1;
      }
      return 0;
    });
    const out = new Uint8Array(4096);
    expect(bpfSeqRead(it.seq, out)).toBe(-ERRNO.EAGAIN);
    expect(bpfSeqRead(it.seq, out)).toBe(16);
    expect(bpfSeqRead(it.seq, out)).toBe(0);
    expect(it.calls.filter((c) => c.obj === 'a').map((c) => c.seqNum)).toEqual([0n, 0n]);
  });

  it('program always returns 1: EAGAIN forever, one object visited per read', () => {
    const it = createFakeIter(['a', 'b', 'c'], () => 1);
    const out = new Uint8Array(4096);
    for (let i = 0; i < 5; i++) expect(bpfSeqRead(it.seq, out)).toBe(-ERRNO.EAGAIN);
    expect(it.calls.map((c) => c.obj)).toEqual(['a', 'a', 'a', 'a', 'a']);
  });

  it('MAX_ITER_OBJECTS: 2,500,000 silent objects give EAGAIN, EAGAIN, the final 53 bytes, 0', () => {
    const objs = Array.from({ length: 2_500_000 }, (_, i) => i);
    const it = createFakeIter(objs, (seq, obj, seqNum) => {
      if (obj === null)
        seq.write(enc.encode(`final seq_num ${seqNum} after all map elements ok!!\n`.padEnd(53, '.')));
      return 0;
    });
    const out = new Uint8Array(4096);
    expect(bpfSeqRead(it.seq, out)).toBe(-ERRNO.EAGAIN);
    expect(bpfSeqRead(it.seq, out)).toBe(-ERRNO.EAGAIN);
    expect(bpfSeqRead(it.seq, out)).toBe(53);
    expect(bpfSeqRead(it.seq, out)).toBe(0);
    expect(it.calls.at(-1)?.seqNum).toBe(2_499_999n);
    expect(MAX_ITER_OBJECTS).toBe(1_000_000);
  });

  it('the cap does not fail a read that already produced bytes', () => {
    const objs = Array.from({ length: 1_500_000 }, (_, i) => i);
    const it = createFakeIter(objs, (seq, obj) => {
      if (obj === 0) seq.write(enc.encode('x'));
      return 0;
    });
    const out = new Uint8Array(4096);
    expect(bpfSeqRead(it.seq, out)).toBe(1);
    expect(bpfSeqRead(it.seq, out)).toBe(0);
  });

  it('seq_num: 0..N-1 for N objects, the final call sees the last one, N+1 program calls', () => {
    const objs = Array.from({ length: 91 }, (_, i) => `task${i}`);
    const it = createFakeIter(objs, (seq, obj, seqNum) => {
      seq.write(enc.encode(obj ? `${seqNum} ${obj}\n` : `final ${seqNum}\n`));
      return 0;
    });
    const { bytes } = readAll(it.seq, 4096);
    expect(it.calls).toHaveLength(92);
    expect(it.calls.slice(0, 91).map((c) => c.seqNum)).toEqual(objs.map((_, i) => BigInt(i)));
    expect(it.calls[91]).toEqual({ obj: null, seqNum: 90n });
    expect(new TextDecoder().decode(bytes).endsWith('90 task90\nfinal 90\n')).toBe(true);
  });

  it('zero objects: the final call sees seq_num 0; after done_stop reads return 0 without another final call', () => {
    const it = createFakeIter([] as string[], (seq) => {
      seq.write(enc.encode('end\n'));
      return 0;
    });
    const out = new Uint8Array(100);
    expect(bpfSeqRead(it.seq, out)).toBe(4);
    expect(bpfSeqRead(it.seq, out)).toBe(0);
    expect(bpfSeqRead(it.seq, out)).toBe(0);
    expect(it.calls).toEqual([{ obj: null, seqNum: 0n }]);
    expect(it.priv.doneStop).toBe(true);
  });

  it('1 MiB reads over 30,000 elements return one buffer fill each (max 32767), byte stream intact', () => {
    const lines = Array.from({ length: 30000 }, (_, i) => `elem ${i} value ${(i * 7919) % 100003}\n`);
    const make = () =>
      createFakeIter(lines, (seq, obj) => {
        seq.write(enc.encode(obj ?? 'done\n'));
        return 0;
      });
    const big = readAll(make().seq, 1 << 20);
    expect(big.results.at(-1)).toBe(0);
    expect(Math.max(...big.results)).toBeLessThanOrEqual(32767);
    expect(big.results.slice(0, -2).every((r) => r > 32767 - 40)).toBe(true);
    const expected = enc.encode(`${lines.join('')}done\n`);
    expect(big.bytes).toEqual(expected);
  });

  it('1-byte and 7-byte reads give the same byte stream as big reads', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `elem ${i} value ${(i * 7919) % 100003}\n`);
    const make = () =>
      createFakeIter(lines, (seq, obj) => {
        seq.write(enc.encode(obj ?? 'done\n'));
        return 0;
      });
    const expected = readAll(make().seq, 4096).bytes;
    expect(expected.length).toBeGreaterThan(60000);
    expect(readAll(make().seq, 1, 10_000_000).bytes).toEqual(expected);
    expect(readAll(make().seq, 7, 10_000_000).bytes).toEqual(expected);
  });

  it('with n = 1 each fill stops after the first non-empty object and is then drained a byte per call', () => {
    const it = createFakeIter(['ab', 'cd'], (seq, obj) => {
      if (obj) seq.write(enc.encode(obj));
      return 0;
    });
    const out = new Uint8Array(1);
    const got: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = bpfSeqRead(it.seq, out);
      got.push(r > 0 ? out[0]! : r);
    }
    expect(String.fromCharCode(...got.slice(0, 4))).toBe('abcd');
    expect(got.slice(4)).toEqual([0, 0]);
    // 'b' was fetched by next() during the first fill but shown in the second.
    expect(it.calls.map((c) => [c.obj, c.seqNum])).toEqual([
      ['ab', 0n],
      ['cd', 1n],
      [null, 1n],
    ]);
  });

  it('count >= n stops the fill; the fetched object keeps its seq_num and is shown next time', () => {
    const it = createFakeIter(['a', 'b', 'c'], (seq, obj) => {
      if (obj) seq.write(bytesOf(8));
      return 0;
    });
    const out = new Uint8Array(10);
    expect(bpfSeqRead(it.seq, out)).toBe(10); // a and b shown (8 < 10), c fetched
    expect(bpfSeqRead(it.seq, out)).toBe(6); // drain
    expect(bpfSeqRead(it.seq, out)).toBe(8); // c, then the final call
    expect(bpfSeqRead(it.seq, out)).toBe(0);
    expect(it.calls.map((c) => c.seqNum)).toEqual([0n, 1n, 2n, 2n]);
  });

  it('skip (show > 0) reuses the seq_num and drops nothing else', () => {
    const it = createFakeIter(
      ['a', 'skip', 'b'],
      (seq, obj, seqNum) => {
        if (obj) seq.write(enc.encode(`${obj}${seqNum} `));
        return 0;
      },
      { skip: (o) => o === 'skip' },
    );
    const { bytes } = readAll(it.seq, 4096);
    expect(new TextDecoder().decode(bytes)).toBe('a0 b1 ');
    const first = createFakeIter(
      ['skip', 'b'],
      (seq, obj, seqNum) => {
        if (obj) seq.write(enc.encode(`${obj}${seqNum} `));
        return 0;
      },
      { skip: (o) => o === 'skip' },
    );
    expect(new TextDecoder().decode(readAll(first.seq, 4096).bytes)).toBe('b0 ');
  });

  it('start() error: stop is called and the error is returned', () => {
    const it = createFakeIter(['a'], () => 0, { startErr: -ERRNO.ENOENT });
    expect(bpfSeqRead(it.seq, new Uint8Array(10))).toBe(-ERRNO.ENOENT);
    expect(it.stops).toBe(1);
    expect(it.calls).toHaveLength(0);
  });

  it('next() error pointer: stop(NULL) (the final program runs), the error is returned, bytes stay buffered', () => {
    const it = createFakeIter(
      ['a', 'b'],
      (seq, obj) => {
        if (obj) seq.write(enc.encode(obj));
        return 0;
      },
      { nextErrAt: { index: 1, err: -ERRNO.EOPNOTSUPP } },
    );
    const out = new Uint8Array(100);
    expect(bpfSeqRead(it.seq, out)).toBe(-ERRNO.EOPNOTSUPP);
    expect(it.calls.map((c) => c.obj)).toEqual(['a', null]);
    expect(it.priv.doneStop).toBe(false);
    expect(bpfSeqRead(it.seq, out)).toBe(1);
    expect(out[0]).toBe(0x61);
  });

  it('an error after bytes were produced returns the bytes; the failing object is retried next read', () => {
    let fails = 1;
    const it = createFakeIter(['a', 'b'], (seq, obj) => {
      if (!obj) return 0;
      seq.write(enc.encode(obj));
      if (obj === 'b' && fails-- > 0) return 1;
      return 0;
    });
    const out = new Uint8Array(100);
    expect(bpfSeqRead(it.seq, out)).toBe(1);
    expect(bpfSeqRead(it.seq, out)).toBe(1);
    expect(String.fromCharCode(out[0]!)).toBe('b');
    expect(bpfSeqRead(it.seq, out)).toBe(0);
  });

  it('buffer is allocated lazily with 8 pages; file position advances by the bytes copied', () => {
    const it = createFakeIter(['a'], (seq, obj) => (obj ? seq.write(bytesOf(5)) && 0 : 0));
    expect(it.seq.buf).toBeUndefined();
    bpfSeqRead(it.seq, new Uint8Array(3));
    expect(it.seq.size).toBe(32768);
    expect(it.seq.pos).toBe(3);
    bpfSeqRead(it.seq, new Uint8Array(3));
    expect(it.seq.pos).toBe(5);
  });

  it('calls cond_resched for BPF_ITER_RESCHED targets only', () => {
    let n = 0;
    const hooks = { condResched: () => n++ };
    const r = createFakeIter(['a', 'b', 'c'], () => 0, { resched: true });
    bpfSeqRead(r.seq, new Uint8Array(100), hooks);
    expect(n).toBe(2);
    const nr = createFakeIter(['a', 'b', 'c'], () => 0);
    bpfSeqRead(nr.seq, new Uint8Array(100), hooks);
    expect(n).toBe(2);
  });
});
