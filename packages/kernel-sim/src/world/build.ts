/** Builds a world into a kernel, through the same system calls a process would make. */
import { BpfError, O_RDWR } from '@tsbpf/uapi';
import type { KFile } from '../fs/file.js';
import { S_IFCHR } from '../fs/vfs.js';
import type { Kernel } from '../kernel.js';
import { PidNamespace } from '../sched/task.js';
import type { World } from './schema.js';
import { WorldError } from './schema.js';

export function buildWorld(k: Kernel, w: World): void {
  for (const f of w.files ?? []) {
    mkdirP(k, f.dir ? f.path : f.path.slice(0, f.path.lastIndexOf('/')) || '/');
    if (f.dir) continue;
    const d = k.createNode(f.path, 0o100000 | (f.mode ?? 0o644), f.ino);
    d.inode!.data = new TextEncoder().encode(f.content ?? '');
    d.inode!.obj.set('i_size', d.inode!.data.length);
  }
  for (const dev of w.devices ?? []) {
    mkdirP(k, dev.path.slice(0, dev.path.lastIndexOf('/')) || '/');
    const d = k.createNode(dev.path, S_IFCHR | 0o620, dev.ino);
    d.inode!.obj.set('i_rdev', (dev.major << 20) | dev.minor);
    d.inode!.open = () => ({ fops: { read: () => -11, write: (_f, data) => data.length } });
  }
  const pipes = new Map<string, [KFile, KFile]>();
  for (const p of w.processes) {
    const parent = p.ppid ? k.task(p.ppid) : undefined;
    const t = k.createTask({
      comm: p.comm,
      pid: p.pid,
      ...(parent ? { parent } : {}),
      kthread: p.kthread ?? false,
      ...(p.newPidNs ? { pidNs: new PidNamespace(k.pidNsOf(parent)), nsPid: p.nsPid ?? 1 } : {}),
      ...(!p.newPidNs && p.nsPid !== undefined ? { nsPid: p.nsPid } : {}),
    });
    for (const th of p.threads ?? []) {
      k.createTask({
        comm: th.comm,
        pid: th.tid,
        threadOf: t,
        ...(th.nsTid !== undefined ? { nsPid: th.nsTid } : {}),
      });
    }
    if (p.kthread) continue;
    const proc = k.process(p.pid);
    (p.files ?? []).forEach((f, j) => {
      const at = `$.processes[pid ${p.pid}].files[${j}]`;
      let fd: number;
      try {
        switch (f.type) {
          case 'file':
            fd = proc.open(f.path, f.flags ?? O_RDWR);
            break;
          case 'socket':
            fd = proc.socket(f.proto, f.ino);
            break;
          case 'eventfd':
            fd = proc.eventfd();
            break;
          case 'pipe': {
            let pipe = pipes.get(f.pipe);
            if (!pipe) {
              const [r, wr] = proc.pipe(0, f.ino);
              pipe = [proc.fdget(r).get(), proc.fdget(wr).get()];
              proc.close(r);
              proc.close(wr);
              pipes.set(f.pipe, pipe);
            }
            fd = proc.installFd(pipe[f.end === 'read' ? 0 : 1].get(), false);
            break;
          }
        }
      } catch (e) {
        if (e instanceof BpfError) throw new WorldError(at, `cannot open: ${e.errno}`);
        throw e;
      }
      if (fd !== f.fd) {
        proc.dup2(fd, f.fd);
        proc.close(fd);
      }
    });
  }
  // Drop the builder's own references: ends nobody listed are released.
  for (const [r, wr] of pipes.values()) {
    r.put();
    wr.put();
  }
}

function mkdirP(k: Kernel, path: string): void {
  let cur = '';
  for (const part of path.split('/').filter(Boolean)) {
    cur += `/${part}`;
    try {
      k.vfs.lookup(cur);
    } catch {
      k.mkdirKernel(cur, 0o755);
    }
  }
}
