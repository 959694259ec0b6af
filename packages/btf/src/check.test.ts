import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCases } from '../test/loadCases.js';
import { checkBtfLoad } from './check.js';

const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, '..', 'test', 'fixtures', 'btf_load.golden.json');
const LOADER = join(here, '..', 'test', 'btf_load.py');

interface KernelAnswer {
  errno: string | null;
  log: string;
  true_size: number;
}

/** Asks the running kernel (root + python3 needed); undefined when it cannot. */
function kernelAnswers(cases: ReturnType<typeof loadCases>): KernelAnswer[] | undefined {
  if (process.env.TSBPF_NO_LIVE || process.getuid?.() !== 0 || !existsSync('/sys/kernel/btf/vmlinux'))
    return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'btf-load-'));
  try {
    const jobs = cases.map((c, i) => {
      const path = join(dir, `${i}.btf`);
      writeFileSync(path, c.bytes);
      return { path, level: c.level, size: c.size };
    });
    const out = execFileSync('python3', [LOADER], {
      input: JSON.stringify(jobs),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    return JSON.parse(out) as KernelAnswer[];
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases = loadCases();
const live = kernelAnswers(cases);
if (live && process.env.BTF_UPDATE_GOLDEN) {
  const golden: Record<string, KernelAnswer> = {};
  cases.forEach((c, i) => {
    golden[c.name] = live[i]!;
  });
  writeFileSync(GOLDEN, `${JSON.stringify(golden, null, 1)}\n`);
}
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, KernelAnswer>;

describe(`checkBtfLoad matches BPF_BTF_LOAD (${live ? 'live kernel' : 'golden file'})`, () => {
  cases.forEach((c, i) => {
    it(c.name, () => {
      const want = live ? live[i]! : golden[c.name];
      expect(want, `no golden answer for ${c.name}`).toBeDefined();
      const got = checkBtfLoad(c.bytes, { logLevel: c.level, logSize: c.size });
      expect({ errno: got.errno ?? null, log: got.log, true_size: got.logTrueSize }).toEqual(want);
    });
  });
});

describe('checkBtfLoad on the host vmlinux BTF', () => {
  const VMLINUX = '/sys/kernel/btf/vmlinux';
  const run = live !== undefined && existsSync(VMLINUX);
  it.skipIf(!run)(
    'matches the kernel: errno, log tail and log_true_size (skips without root/vmlinux)',
    () => {
      const bytes = new Uint8Array(readFileSync(VMLINUX));
      const c = { name: 'vmlinux', bytes, level: 1, size: 1 << 20 };
      const want = kernelAnswers([c])![0]!;
      const got = checkBtfLoad(bytes, { logLevel: 1, logSize: 1 << 20 });
      expect({ errno: got.errno ?? null, log: got.log, true_size: got.logTrueSize }).toEqual(want);
    },
    60_000,
  );
});
