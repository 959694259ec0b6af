/**
 * The differential harness: scripts/linux-world.py builds a world of processes
 * in a fresh pid namespace on the real kernel and reads a pinned iterator
 * there as the namespace's init; this module turns its snapshot into a
 * kernel-sim world and reads the same object the same way on the simulator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfIterInit } from '@tsbpf/bpf-iter';
import { Kernel, type World, type WorldFile, type WorldProcess } from '@tsbpf/kernel-sim';
import { BpfObject } from '@tsbpf/libbpf-ts';
import { O_RDONLY } from '@tsbpf/uapi';
import { run } from './host.js';

export const LINUX_WORLD_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scripts/linux-world.py',
);

/** A process of the world the script builds (its SPEC format). */
export interface SpecProcess {
  comm: string;
  parent: number | null;
  threads?: string[];
  files?: (
    | { fd: number; path: string; mode?: 'r' | 'w' }
    | { fd: number; socket: 'unix' | 'unix-dgram' | 'tcp' | 'udp' | 'tcp6' | 'udp6' | 'netlink' }
    | { fd: number; pipe: 'read' | 'write' }
    | { fd: number; inherit: true }
  )[];
}

export interface SnapshotFile {
  fd: number;
  target: string;
  ino: number;
  flags: number;
  sockproto?: string;
}

export interface SnapshotTask {
  pid: number;
  tgid: number;
  ppid_global: number;
  /** Pids from the initial namespace down to the task's own. */
  nspid: number[];
  comm: string;
  files: SnapshotFile[];
}

/** What linux-world.py prints. */
export interface LinuxRun {
  /** The iterator's bytes (latin-1 decoded, i.e. one char per byte). */
  output: string;
  /** What each read(2) of `read_size` bytes returned, up to the final 0 (not listed). */
  reads?: number[];
  read_size?: number;
  /** Global pid of the namespace's init, the reader. */
  init: number;
  /** The reader's fd of the opened pin and the pin inode's number. */
  reader_fd: { fd: number; ino: number; name: string };
  tasks: SnapshotTask[];
}

/** Runs the script as root: builds `spec` on Linux and reads `object` there with reads of `readSize`. */
export function runOnLinux(spec: { processes: SpecProcess[] }, object: string, readSize = 65536): LinuxRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbpf-diff-'));
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(spec));
  try {
    const r = run('python3', [LINUX_WORLD_SCRIPT, specFile, object, String(readSize)], {
      timeoutMs: 120_000,
    });
    if (r.status !== 0) throw new Error(`linux-world.py failed (${r.status}): ${r.stderr}${r.error ?? ''}`);
    return JSON.parse(r.stdout) as LinuxRun;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const O_ACCMODE = 3;

/**
 * The snapshot as a kernel-sim world: the same global pids, parents, comms,
 * threads and fd tables; the namespace's init starts a new pid namespace
 * (child of the initial one) with every task's number in it; regular files
 * exist with Linux's inode numbers; pipes and sockets keep theirs, sockets
 * their protocol names. The init's parent (unshare, outside the namespace)
 * is a root process of the initial namespace.
 */
export function worldFromSnapshot(snap: LinuxRun): World {
  const byPid = new Map(snap.tasks.map((t) => [t.pid, t]));
  const init = byPid.get(snap.init);
  if (!init) throw new Error(`snapshot has no init ${snap.init}`);
  const existing = Kernel.boot({ world: { version: 1, processes: [] } });
  const files = new Map<string, { path: string; ino: number }>();
  const nsNr = (t: SnapshotTask) => t.nspid[t.nspid.length - 1]!;

  const fileOf = (f: SnapshotFile, at: string): WorldFile => {
    const pipe = /^pipe:\[(\d+)\]$/.exec(f.target);
    if (pipe) {
      return {
        fd: f.fd,
        type: 'pipe',
        pipe: f.target,
        end: (f.flags & O_ACCMODE) === 1 ? 'write' : 'read',
        ino: f.ino,
      };
    }
    if (/^socket:\[\d+\]$/.test(f.target)) {
      return { fd: f.fd, type: 'socket', ino: f.ino, ...(f.sockproto ? { proto: f.sockproto } : {}) };
    }
    if (!f.target.startsWith('/')) throw new Error(`${at}: cannot model ${f.target}`);
    const p = f.target.replace(/ \(deleted\)$/, '');
    if (!files.has(p)) {
      let exists = true;
      try {
        existing.vfs.lookup(p);
      } catch {
        exists = false;
      }
      if (exists)
        throw new Error(`${at}: ${p} exists in every simulated machine, its inode cannot be ${f.ino}`);
      files.set(p, { path: p, ino: f.ino });
    }
    return { fd: f.fd, type: 'file', path: p, flags: f.flags & O_ACCMODE };
  };

  const leaders = snap.tasks.filter((t) => t.pid === t.tgid).sort((a, b) => nsNr(a) - nsNr(b));
  const processes: WorldProcess[] = [{ pid: init.ppid_global, ppid: 0, comm: 'unshare' }];
  for (const t of leaders) {
    const threads = snap.tasks
      .filter((th) => th.tgid === t.pid && th.pid !== t.pid)
      .map((th) => ({ tid: th.pid, comm: th.comm, nsTid: nsNr(th) }));
    processes.push({
      pid: t.pid,
      ppid: t.ppid_global,
      comm: t.comm,
      ...(t === init ? { newPidNs: true } : {}),
      nsPid: nsNr(t),
      ...(threads.length ? { threads } : {}),
      files: t.files.map((f) => fileOf(f, `pid ${t.pid} fd ${f.fd}`)),
    });
  }
  return { version: 1, files: [...files.values()], processes };
}

/**
 * Boots the simulator with the world of `snap` and does what the script did
 * on Linux: a `bpftool` child of the reader loads `object`, attaches it and
 * pins the link, then exits; the reader opens the pin and reads it to the
 * end with reads of the size Linux's reader used. Returns the bytes as
 * latin-1 text, as the script does, and what each read returned.
 */
export function runOnSimulator(snap: LinuxRun, object: string): { output: string; reads: number[] } {
  const k = Kernel.boot({ world: worldFromSnapshot(snap) });
  bpfIterInit(k);
  const reader = k.process(snap.init);
  const pin = `/sys/fs/bpf/${snap.reader_fd.name}`;
  const tool = reader.fork('bpftool');
  tool.closeRange(3);
  const obj = BpfObject.openFile(object, { syscalls: tool });
  try {
    obj.load({ syscalls: tool });
    const link = obj.programs[0]!.attachIter({});
    link.pin(pin);
    link.destroy();
  } finally {
    obj.close();
    tool.exit();
  }
  // bpffs takes inode numbers from Linux's global get_next_ino() counter, a
  // boot-time quantity the simulator does not model: give the pin Linux's.
  k.vfs.lookup(pin).dentry.inode!.obj.set('i_ino', snap.reader_fd.ino);
  const fd = reader.open(pin, O_RDONLY);
  if (fd !== snap.reader_fd.fd)
    throw new Error(`reader got fd ${fd}, Linux's reader fd ${snap.reader_fd.fd}`);
  const chunks: Buffer[] = [];
  const buf = new Uint8Array(snap.read_size ?? 65536);
  for (;;) {
    const n = reader.read(fd, buf);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  reader.close(fd);
  reader.unlink(pin);
  return { output: Buffer.concat(chunks).toString('latin1'), reads: chunks.map((c) => c.length) };
}
