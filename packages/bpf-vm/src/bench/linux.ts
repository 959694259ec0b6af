/**
 * Runs a benchmark program under the host's Linux BPF JIT with
 * BPF_PROG_TEST_RUN, through a small python3 ctypes program (Node has no
 * syscall interface). Skips with a reason when not root, without python3,
 * or when the kernel refuses.
 */
import { spawnSync } from 'node:child_process';
import { encodeInsns } from '../insn.js';
import type { BenchProgram } from './programs.js';

// bpf(2) from python: load the program (no BTF), test-run it `repeat` times, print JSON.
const PY = `
import ctypes, json, os, struct, sys
prog = bytes.fromhex(sys.argv[1]); ptype = int(sys.argv[2]); repeat = int(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
NR_bpf = 321 if os.uname().machine == 'x86_64' else 280
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(NR_bpf, cmd, buf, len(attr))
    if r < 0:
        e = ctypes.get_errno(); return r, e, buf.raw
    return r, 0, buf.raw
insns = ctypes.create_string_buffer(prog, len(prog))
lic = ctypes.create_string_buffer(b'GPL')
log = ctypes.create_string_buffer(1 << 20)
def load(level):
    attr = bytearray(144)
    struct.pack_into('<IIQQIIQ', attr, 0, ptype, len(prog) // 8, ctypes.addressof(insns), ctypes.addressof(lic), level, len(log) if level else 0, ctypes.addressof(log) if level else 0)
    return bpf(5, attr)
fd, err, _ = load(0)
if fd < 0:
    fd, err, _ = load(1)
if fd < 0:
    print(json.dumps({'skipped': 'BPF_PROG_LOAD: %s: %s' % (os.strerror(err), log.value.decode(errors='replace')[-400:])})); sys.exit(0)
data = bytes((k * 131 + 7) & 0xff for k in range(1024))
din = ctypes.create_string_buffer(data, len(data))
dout = ctypes.create_string_buffer(4096)
attr = bytearray(80)
struct.pack_into('<IIIIQQII', attr, 0, fd, 0, len(data), len(dout), ctypes.addressof(din), ctypes.addressof(dout), repeat, 0)
r, err, raw = bpf(10, attr)
if r < 0:
    print(json.dumps({'skipped': 'BPF_PROG_TEST_RUN: %s' % os.strerror(err)})); sys.exit(0)
retval, = struct.unpack_from('<I', raw, 4)
duration, = struct.unpack_from('<I', raw, 36)
jited = open('/proc/sys/net/core/bpf_jit_enable').read().strip()
print(json.dumps({'retval': retval, 'nsPerRun': duration, 'jit_enable': jited}))
`;

export type LinuxResult = { nsPerRun: number; retval: number; jitEnable: string } | { skipped: string };

export function runOnLinux(p: BenchProgram, repeat: number): LinuxResult {
  if (process.env.TSBPF_BENCH_NO_LINUX) return { skipped: 'TSBPF_BENCH_NO_LINUX is set' };
  if (process.platform !== 'linux') return { skipped: 'not Linux' };
  if (process.getuid?.() !== 0) return { skipped: 'not root: bpf() needs CAP_BPF/CAP_SYS_ADMIN' };
  const hex = Buffer.from(encodeInsns(p.insns)).toString('hex');
  const r = spawnSync('python3', ['-c', PY, hex, String(p.linuxProgType), String(repeat)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) return { skipped: `python3: ${r.error.message}` };
  if (r.status !== 0) return { skipped: `python3 exited ${r.status}: ${r.stderr.trim().slice(-300)}` };
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  if (typeof o.skipped === 'string') return { skipped: o.skipped };
  return { nsPerRun: Number(o.nsPerRun), retval: Number(o.retval), jitEnable: String(o.jit_enable) };
}
