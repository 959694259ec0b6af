/**
 * A process's system-call table: what libbpf-ts and bpftool-ts call, "as" a
 * task with its own fd table. Implements the `Syscalls` of @tsbpf/uapi.
 */

import { bpfSyscall } from './bpf/syscall.js';
import { type KFile, readFromBuffer, seekWithin } from './fs/file.js';
import { readlinkOf } from './fs/procfs.js';
import { type Dentry, type Mount, S_IFDIR, S_IFMT, S_IFREG } from './fs/vfs.js';
import type { Kernel } from './kernel.js';
import type { Task } from './sched/task.js';
import {
  type BpfAttrMap,
  type BpfCmdName,
  BpfError,
  O_ACCMODE_MASK,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_LARGEFILE,
  O_NOCTTY,
  O_TRUNC,
  type Syscalls,
} from './uapi-extra.js';

export interface Stat {
  st_mode: number;
  st_ino: number;
  st_size: number;
  st_nlink: number;
  /** statfs f_type of the filesystem (BPF_FS_MAGIC for bpffs). */
  f_type: bigint;
}

export class Process implements Syscalls {
  constructor(
    readonly kernel: Kernel,
    readonly task: Task,
  ) {}

  get pid(): number {
    return this.task.tgid;
  }

  private get files() {
    const f = this.task.files;
    if (!f) throw new BpfError('EBADF');
    return f;
  }

  /** Runs a system call as this task (sets `current`), tagging errors with the call name. */
  private call<T>(name: string, fn: () => T): T {
    const prev = this.kernel.current;
    this.kernel.current = this.task;
    try {
      return fn();
    } catch (e) {
      if (e instanceof BpfError && e.syscall === undefined) {
        throw new BpfError(e.errno, e.message, { syscall: name, log: e.log, cause: e.cause });
      }
      throw e;
    } finally {
      this.kernel.current = prev;
    }
  }

  bpf = <C extends BpfCmdName>(cmd: C, attr: BpfAttrMap[C]): number =>
    this.call(cmd, () => bpfSyscall(this.kernel, this, cmd, attr));

  /** fdget: the file behind an fd (EBADF). */
  fdget(fd: number): KFile {
    const f = this.task.files?.files.get(fd);
    if (!f) throw new BpfError('EBADF');
    return f;
  }

  /** get_unused_fd_flags + fd_install; the table takes over the caller's reference. */
  installFd(file: KFile, cloexec = true): number {
    const fd = this.files.allocFd();
    this.files.install(fd, file, cloexec);
    return fd;
  }

  private resolve(path: string): string {
    return path.replace(/^\/proc\/self(?=\/|$)/, `/proc/${this.task.tgid}`);
  }

  private lookup(path: string) {
    return this.kernel.vfs.lookup(this.resolve(path));
  }

  open = (path: string, flags = 0, mode = 0o666): number =>
    this.call('open', () => {
      let mnt: Mount;
      let d: Dentry;
      try {
        ({ mnt, dentry: d } = this.lookup(path));
        if (flags & O_CREAT && flags & O_EXCL) throw new BpfError('EEXIST');
      } catch (e) {
        if (!(e instanceof BpfError && e.errno === 'ENOENT' && flags & O_CREAT)) throw e;
        const at = this.kernel.vfs.lookup(this.resolve(path), { parent: true });
        if (at.mnt.sb.fstype !== 'rootfs') throw new BpfError('EACCES');
        d = this.kernel.createNode(this.resolve(path), S_IFREG | (mode & ~this.kernel.umask & 0o7777));
        d.inode!.data = new Uint8Array(0);
        mnt = at.mnt;
      }
      const inode = d.inode;
      if (!inode) throw new BpfError('ENOENT');
      const acc = flags & O_ACCMODE_MASK;
      if (inode.isDir && acc !== 0) throw new BpfError('EISDIR');
      let file: KFile;
      if (inode.bpfObj !== undefined) {
        file = this.kernel.bpfOpenPinned(this, d, flags);
      } else if (inode.open) {
        const { fops, priv } = inode.open(flags);
        file = this.kernel.vfs.openFile(mnt, d, fops, fileFlags(flags), priv);
      } else if ((inode.mode & S_IFMT) === S_IFREG) {
        if (flags & O_TRUNC && acc !== 0) inode.data = new Uint8Array(0);
        inode.data ??= new Uint8Array(0);
        file = this.kernel.vfs.openFile(mnt, d, regularFops(), fileFlags(flags));
      } else if (inode.isDir) {
        file = this.kernel.vfs.openFile(mnt, d, {}, fileFlags(flags));
      } else {
        throw new BpfError('ENXIO');
      }
      return this.installFd(file, (flags & O_CLOEXEC) !== 0);
    });

  read = (fd: number, buf: Uint8Array): number => this.call('read', () => this.fdget(fd).read(buf));

  write = (fd: number, data: Uint8Array): number => this.call('write', () => this.fdget(fd).write(data));

  lseek = (fd: number, offset: number, whence: number): number =>
    this.call('lseek', () => this.fdget(fd).llseek(offset, whence));

  close = (fd: number): void => this.call('close', () => this.files.remove(fd).put());

  dup2 = (oldfd: number, newfd: number): number =>
    this.call('dup2', () => {
      const file = this.fdget(oldfd);
      if (oldfd === newfd) return newfd;
      file.get();
      if (this.files.files.has(newfd)) this.files.remove(newfd).put();
      this.files.install(newfd, file, false);
      return newfd;
    });

  dup = (fd: number): number => this.call('dup', () => this.installFd(this.fdget(fd).get(), false));

  unlink = (path: string): void =>
    this.call('unlink', () => {
      const { dentry } = this.lookup(path);
      if (dentry.inode?.isDir) throw new BpfError('EISDIR');
      if (dentry.sb.fstype === 'proc' || dentry.sb.fstype === 'sysfs') throw new BpfError('EACCES');
      this.kernel.vfs.removeDentry(dentry);
      this.kernel.bpfUnpinned(dentry);
    });

  rmdir = (path: string): void =>
    this.call('rmdir', () => {
      const { dentry } = this.lookup(path);
      if (!dentry.inode?.isDir) throw new BpfError('ENOTDIR');
      if (dentry.inode.children?.size) throw new BpfError('ENOTEMPTY');
      this.kernel.vfs.removeDentry(dentry);
    });

  mkdir = (path: string, mode = 0o777): void =>
    this.call('mkdir', () => {
      const last = this.resolve(path).split('/').filter(Boolean).pop() ?? '';
      const at = this.kernel.vfs.lookup(this.resolve(path), { parent: true });
      if (at.mnt.sb.fstype === 'bpf' && last.includes('.')) throw new BpfError('EPERM');
      if (at.mnt.sb.fstype === 'proc' || at.mnt.sb.fstype === 'sysfs') throw new BpfError('EACCES');
      this.kernel.createNode(this.resolve(path), S_IFDIR | (mode & ~this.kernel.umask & 0o7777));
    });

  readlink = (path: string): string => this.call('readlink', () => readlinkOf(this.lookup(path).dentry));

  stat = (path: string): Stat =>
    this.call('stat', () => {
      const { dentry, mnt } = this.lookup(path);
      const i = dentry.inode;
      if (!i) throw new BpfError('ENOENT');
      return {
        st_mode: i.mode,
        st_ino: i.ino,
        st_size: i.data?.length ?? 0,
        st_nlink: Number(i.obj.get('__i_nlink')),
        f_type: mnt.sb.magic,
      };
    });

  /** Directory entries of a directory (sorted; procfs in its own order: pids ascending, fds ascending). */
  readdir = (path: string): string[] =>
    this.call('getdents', () => {
      const { dentry } = this.lookup(path);
      if (!dentry.inode?.isDir) throw new BpfError('ENOTDIR');
      if (dentry.inode.listHook) return dentry.inode.listHook();
      return [...(dentry.inode.children?.keys() ?? [])].sort();
    });

  /** open + read to EOF + close. */
  readFile(path: string): Uint8Array {
    const fd = this.open(path, 0);
    try {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const buf = new Uint8Array(4096);
        const n = this.read(fd, buf);
        if (n === 0) break;
        parts.push(buf.subarray(0, n));
        total += n;
      }
      const out = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    } finally {
      this.close(fd);
    }
  }

  /** close_range(2) without flags: closes every open fd in [first, last]. */
  closeRange(first: number, last = 0xffffffff): void {
    if (first > last) throw new BpfError('EINVAL');
    for (const [fd] of this.task.fdTable()) if (fd >= first && fd <= last) this.close(fd);
  }

  /** fork(): a child process with a copy of this fd table. */
  fork(comm = this.task.comm): Process {
    const t = this.kernel.createTask({ comm, parent: this.task.groupLeader, copyFiles: true });
    return new Process(this.kernel, t);
  }

  /** clone(CLONE_THREAD | CLONE_FILES ...): a thread sharing this fd table. */
  cloneThread(comm = this.task.comm): Process {
    const t = this.kernel.createTask({ comm, threadOf: this.task });
    return new Process(this.kernel, t);
  }

  exit(): void {
    this.kernel.exitTask(this.task);
  }

  /** pipe2(): [read fd, write fd] on pipefs, both ends one inode "pipe:[ino]". */
  pipe(flags = 0, ino?: number): [number, number] {
    return this.call('pipe2', () => {
      const state = { data: [] as number[], readers: 1, writers: 1 };
      const rf = this.kernel.pseudoFile(
        'pipefs',
        {
          read: (_f, buf) => {
            if (state.data.length === 0) return state.writers > 0 ? -11 : 0;
            const n = Math.min(buf.length, state.data.length);
            buf.set(state.data.splice(0, n));
            return n;
          },
          release: () => {
            state.readers--;
          },
        },
        flags & O_CLOEXEC,
        state,
        ino,
      );
      const pipeIno = rf.dentry.inode!.ino;
      const wf = this.kernel.pseudoFile(
        'pipefs',
        {
          write: (_f, d) => {
            state.data.push(...d);
            return d.length;
          },
          release: () => {
            state.writers--;
          },
        },
        1 | (flags & O_CLOEXEC),
        state,
        pipeIno,
      );
      const cloexec = (flags & O_CLOEXEC) !== 0;
      return [this.installFd(rf, cloexec), this.installFd(wf, cloexec)];
    });
  }

  /**
   * socket(): a sockfs file "socket:[ino]" whose dentry carries the protocol's
   * name, as sock_alloc_file names it (sk_prot_creator->name: "UNIX-STREAM",
   * "UNIX", "TCP", "UDP", "TCPv6", "NETLINK", ...). No protocol behaviour yet.
   */
  socket(proto = 'UNIX-STREAM', ino?: number): number {
    return this.call('socket', () =>
      this.installFd(
        this.kernel.pseudoFile(
          'sockfs',
          { read: () => -11, write: (_f, d) => d.length },
          2,
          undefined,
          ino,
          proto,
        ),
        false,
      ),
    );
  }

  /** pidfd_open(): an anon inode file "[pidfd]" referring to a process (ESRCH if none, EINVAL for a thread). */
  pidfdOpen(pid: number): number {
    return this.call('pidfd_open', () => {
      const t = this.kernel.task(pid);
      if (!t) throw new BpfError('ESRCH');
      if (t.threadLeader) throw new BpfError('EINVAL');
      const priv = {
        pidfd: t,
        showFdinfo: () => `Pid:\t${this.kernel.pidNr(t)}\nNSpid:\t${this.kernel.pidNr(t)}\n`,
      };
      return this.installFd(this.kernel.anonInodeFile('[pidfd]', {}, 2, priv), true);
    });
  }

  /** eventfd(): an anon inode file "[eventfd]" holding a counter. */
  eventfd(initval = 0): number {
    return this.call('eventfd2', () => {
      const st = { count: BigInt(initval) };
      const fops = {
        read: (_f: KFile, buf: Uint8Array) => {
          if (buf.length < 8) return -22;
          if (st.count === 0n) return -11;
          new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, st.count, true);
          st.count = 0n;
          return 8;
        },
        write: (_f: KFile, d: Uint8Array) => {
          if (d.length < 8) return -22;
          st.count += new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0, true);
          return 8;
        },
      };
      const priv = { ...st, showFdinfo: () => `eventfd-count: ${st.count.toString(16).padStart(16, '0')}\n` };
      return this.installFd(this.kernel.anonInodeFile('[eventfd]', fops, 2, priv), false);
    });
  }
}

/**
 * f_flags of an opened file: open-time-only flags dropped (do_dentry_open),
 * O_CLOEXEC kept in the fd table instead, O_LARGEFILE forced on 64-bit.
 */
function fileFlags(flags: number): number {
  return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
}

/** Operations of a regular file on the root filesystem (contents in the inode). */
function regularFops() {
  return {
    read: (f: KFile, buf: Uint8Array) => readFromBuffer(f, buf, f.dentry.inode!.data!),
    write: (f: KFile, data: Uint8Array) => {
      const inode = f.dentry.inode!;
      const old = inode.data!;
      const pos = f.flags & 0o2000 ? old.length : f.pos;
      const next = new Uint8Array(Math.max(old.length, pos + data.length));
      next.set(old);
      next.set(data, pos);
      inode.data = next;
      inode.obj.set('i_size', next.length);
      f.pos = pos + data.length;
      return data.length;
    },
    llseek: (f: KFile, off: number, wh: number) => seekWithin(f, f.dentry.inode!.data!.length, off, wh),
  };
}
