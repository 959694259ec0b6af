/**
 * Cross-check against the real libbpf: `bpftool -d prog loadall` prints
 * libbpf's debug log on this machine, for our fixture and for the selftests'
 * host-built objects (when built); every libbpf line must equal ours, the
 * fake kernel replaying Linux's verifier logs and verdicts.
 * Needs bpftool, root, a bpffs at /sys/fs/bpf and /sys/kernel/btf/vmlinux.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpfError, errnoName } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { BpfObject } from './object.js';
import { setPrint } from './print.js';
import { FakeSyscalls, writeLog } from './testing/fakeSyscalls.js';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/iter_multi.bpf.o', import.meta.url));
const VMLINUX = '/sys/kernel/btf/vmlinux';

function missing(): string | undefined {
  if (!existsSync(VMLINUX)) return `${VMLINUX} not found`;
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
  } catch {
    return 'bpftool not found';
  }
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) return 'no bpffs at /sys/fs/bpf';
  return undefined;
}

// fd numbers differ between processes
const normalise = (l: string) => l.replace(/fd=\d+/, 'fd=N');
const libbpfLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('libbpf: '))
    .map(normalise);

const HOST = fileURLToPath(new URL('../../selftests/bpf/build/host/', import.meta.url));
const fixture = (n: string) => fileURLToPath(new URL(`../test/fixtures/${n}.bpf.o`, import.meta.url));
const OBJECTS = [
  FIXTURE,
  fixture('misc'),
  fixture('pinned'),
  ...['iter_task', 'iter_task_file', 'iter_task_nocheck'].map((n) => `${HOST}${n}.bpf.o`).filter(existsSync),
];

/** This process's soft RLIMIT_MEMLOCK, as libbpf reads it for its EPERM hint. */
function memlockLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max locked memory'));
  const soft = line?.slice('Max locked memory'.length).trim().split(/\s+/)[0];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

const reason = missing();
describe('cross-check with libbpf (bpftool -d)', () => {
  it.skipIf(reason !== undefined).each(OBJECTS)(
    `prints libbpf's open/relocation/CO-RE/load lines for %s${reason ? ` (skipped: ${reason})` : ''}`,
    (path) => {
      const pin = `/sys/fs/bpf/libbpf_ts_xcheck_${process.pid}`;
      // pinned.bpf.o pins its map by name under the default root: start and end without it.
      const mapPin = '/sys/fs/bpf/shared_counts';
      rmSync(mapPin, { force: true });
      const r = spawnSync('bpftool', ['-d', 'prog', 'loadall', path, pin], { encoding: 'utf8' });
      rmSync(pin, { recursive: true, force: true });
      rmSync(mapPin, { force: true });
      const theirs = libbpfLines(r.stderr);
      const ours: string[] = [];
      const prev = setPrint((_, m) => ours.push(m));
      try {
        const sys = Object.assign(new FakeSyscalls(), {
          geteuid: () => process.geteuid?.() ?? -1,
          memlockLimit,
        });
        sys.files.set(VMLINUX, new Uint8Array(readFileSync(VMLINUX)));
        // The fake kernel replays Linux's answer to each BPF_PROG_LOAD: its verifier log and,
        // for a program Linux rejected, its errno.
        const logs = [
          ...r.stderr.matchAll(/prog '(.*)': -- BEGIN PROG LOAD LOG --\n([\s\S]*?)-- END PROG LOAD LOG --/g),
        ];
        const rejected = /prog '(.*)': failed to load: -(\d+)/.exec(r.stderr);
        const isProg = (name: string | undefined, attr: Record<string, unknown>) =>
          name?.startsWith(String(attr.prog_name)) === true;
        sys.handler = (cmd, attr) => {
          if (cmd === 'BPF_OBJ_GET') throw new BpfError('ENOENT');
          if (cmd !== 'BPF_PROG_LOAD') return undefined;
          const log = logs.find((m) => isProg(m[1], attr));
          if (log) writeLog(attr, log[2]!);
          if (rejected && isProg(rejected[1], attr))
            throw new BpfError(errnoName(Number(rejected[2])) ?? 'EINVAL');
          return undefined;
        };
        let obj: BpfObject | undefined;
        try {
          obj = BpfObject.openFile(path, { syscalls: sys });
          obj.load({ logLevel: 1 });
          // bpftool prog loadall then pins every program. @see bpf_object__pin_programs
          for (const prog of obj.programs) prog.pin(`${pin}/${prog.name}`);
        } catch (e) {
          // only where bpftool failed too ("Error: failed to open/load object file")
          if (!/^Error: failed to/m.test(r.stderr)) throw e;
        }
        obj?.close();
      } finally {
        setPrint(prev);
      }
      expect(theirs.length).toBeGreaterThan(10);
      expect(libbpfLines(ours.join(''))).toEqual(theirs);
    },
  );
});
