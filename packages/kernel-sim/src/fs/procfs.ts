/**
 * procfs: /proc/<pid>/{comm,fd/<n>,fdinfo/<n>}, made on lookup from the
 * live task list as fs/proc/base.c and fs/proc/fd.c do.
 */
import { BpfError } from '@tsbpf/uapi';
import type { Kernel } from '../kernel.js';
import type { Task } from '../sched/task.js';
import { type FileOps, type KFile, readFromBuffer, seekWithin } from './file.js';
import { type Dentry, type Mount, S_IFDIR, S_IFLNK, S_IFREG } from './vfs.js';

const enc = new TextEncoder();
const O_CLOEXEC = 0o2000000;

/** A read-only file whose text is generated at open (single_open). */
function textFile(text: () => string): () => { fops: FileOps } {
  return () => {
    const data = enc.encode(text());
    return {
      fops: {
        read: (f: KFile, buf: Uint8Array) => readFromBuffer(f, buf, data),
        llseek: (f: KFile, off: number, wh: number) => seekWithin(f, data.length, off, wh),
      },
    };
  };
}

export function installProcfs(k: Kernel, m: Mount): void {
  const root = m.root;
  const v = k.vfs;
  // Dentries are cached under their parent and reused while what they name exists (d_revalidate).
  const mk = (parent: Dentry, name: string, mode: number, init: (d: Dentry) => void) => {
    const have = parent.inode?.children?.get(name);
    if (have) return have;
    const d = v.newDentry(m.sb, name, parent);
    v.newInode(d, mode);
    init(d);
    return d;
  };
  root.inode!.listHook = () =>
    k
      .tasks()
      .filter((t) => !t.threadLeader)
      .map((t) => String(t.pid));
  root.inode!.lookupHook = (name) => {
    const pid = /^[1-9]\d*$/.test(name) ? Number(name) : Number.NaN;
    const task = k.task(pid);
    const cached = root.inode!.children!.get(name);
    if (cached && (cached.inode?.i_private_task !== task || !task)) v.removeDentry(cached);
    if (!task) return undefined;
    return mk(root, name, S_IFDIR | 0o555, (dir) => {
      dir.inode!.i_private_task = task;
      dir.inode!.lookupHook = (entry) => pidEntry(task, dir, entry);
      dir.inode!.listHook = () => ['comm', 'fd', 'fdinfo'];
    });
  };

  const pidEntry = (task: Task, dir: Dentry, entry: string): Dentry | undefined => {
    if (!k.task(task.pid)) return undefined;
    switch (entry) {
      case 'comm':
        return mk(dir, 'comm', S_IFREG | 0o644, (d) => {
          d.inode!.open = textFile(() => `${task.comm}\n`);
        });
      case 'fd':
      case 'fdinfo':
        return mk(dir, entry, S_IFDIR | 0o500, (d) => {
          d.inode!.lookupHook = (n) => fdEntry(task, d, entry, n);
          d.inode!.listHook = () => task.fdTable().map(([fd]) => String(fd));
        });
      default:
        return undefined;
    }
  };

  const fdEntry = (task: Task, dir: Dentry, kind: string, n: string): Dentry | undefined => {
    const fd = /^(0|[1-9]\d*)$/.test(n) ? Number(n) : -1;
    const fileNow = () => {
      const f = task.files?.files.get(fd);
      if (!f) throw new BpfError('ENOENT');
      return f;
    };
    if (!task.files?.files.has(fd)) return undefined;
    if (kind === 'fd') {
      return mk(dir, n, S_IFLNK | 0o700, (d) => {
        d.inode!.readlinkHook = () => k.filePath(fileNow());
      });
    }
    return mk(dir, n, S_IFREG | 0o400, (d) => {
      d.inode!.open = textFile(() => fdinfo(k, task, fd, fileNow()));
    });
  };
}

/** seq_show of /proc/<pid>/fdinfo/<fd>: the generic lines, then the file's show_fdinfo. */
export function fdinfo(k: Kernel, task: Task, fd: number, f: KFile): string {
  let flags = Number(f.obj.get('f_flags'));
  if (task.files?.cloexec.has(fd)) flags |= O_CLOEXEC;
  const mntId = k.vfs.mountId(f.mnt);
  const ino = f.dentry.inode ? f.dentry.inode.ino : 0;
  let s = `pos:\t${f.pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${mntId}\nino:\t${ino}\n`;
  const show = (f.priv as { showFdinfo?: () => string } | undefined)?.showFdinfo;
  if (show) s += show();
  return s;
}

export function readlinkOf(d: Dentry): string {
  if (d.inode?.readlinkHook) return d.inode.readlinkHook();
  if (d.inode?.target !== undefined) return d.inode.target;
  throw new BpfError('EINVAL', undefined, { syscall: 'readlink' });
}
