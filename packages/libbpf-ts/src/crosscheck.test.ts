/**
 * Cross-check against the real libbpf: `bpftool -d prog loadall` prints
 * libbpf's debug log for our fixture on this machine; the lines about
 * sections, programs, maps, relocations and CO-RE must equal ours.
 * Needs bpftool, root, a bpffs at /sys/fs/bpf and /sys/kernel/btf/vmlinux.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BpfObject } from './object.js';
import { setPrint } from './print.js';
import { FakeSyscalls } from './testing/fakeSyscalls.js';

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

const COMPARED =
  /elf: section|found program|license of|kernel version|map '|map \d+ is|collecting relocation|relo #|found data map|found map|CO-RE|sub-prog|relocated, imm/;
// fd numbers differ between processes
const normalise = (l: string) => l.replace(/fd=\d+/, 'fd=N');

const reason = missing();
describe('cross-check with libbpf (bpftool -d)', () => {
  it.skipIf(reason !== undefined)(
    `prints the same open/relocation/CO-RE lines${reason ? ` (skipped: ${reason})` : ''}`,
    () => {
      const pin = `/sys/fs/bpf/libbpf_ts_xcheck_${process.pid}`;
      const r = spawnSync('bpftool', ['-d', 'prog', 'loadall', FIXTURE, pin], { encoding: 'utf8' });
      rmSync(pin, { recursive: true, force: true });
      const theirs = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('libbpf: ') && COMPARED.test(l))
        .map(normalise);
      const ours: string[] = [];
      const prev = setPrint((_, m) => ours.push(...m.split('\n').filter((l) => l !== '')));
      try {
        const sys = new FakeSyscalls();
        sys.files.set(VMLINUX, new Uint8Array(readFileSync(VMLINUX)));
        const obj = BpfObject.openFile(FIXTURE, { syscalls: sys });
        obj.load();
        obj.close();
      } finally {
        setPrint(prev);
      }
      expect(theirs.length).toBeGreaterThan(50);
      expect(ours.filter((l) => COMPARED.test(l)).map(normalise)).toEqual(theirs);
    },
  );
});
