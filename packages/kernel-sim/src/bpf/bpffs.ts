/**
 * bpffs (/sys/fs/bpf): pinning objects as inodes, getting them back, and
 * opening pinned files (kernel/bpf/inode.c).
 */
import { BpfError, type ObjAttr } from '@tsbpf/uapi';
import type { FileOps, KFile } from '../fs/file.js';
import { type Dentry, S_IFREG } from '../fs/vfs.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import type { BpfObject } from './objects.js';
import { bpfObjNewFd } from './syscall.js';

export const BPF_F_PATH_FD = 1 << 14;
const BPF_OBJ_FLAG_MASK = (1 << 3) | (1 << 4); // BPF_F_RDONLY | BPF_F_WRONLY

/** bpf_fd_probe_obj: the bpf object behind an fd (EBADF / EINVAL). */
function probeObj(k: Kernel, proc: Process, fd: number): BpfObject {
  const o = k.bpfObjectOf(proc.fdget(fd));
  if (!o || o.kind === 'btf') throw new BpfError('EINVAL');
  return o;
}

export function bpfObjPin(k: Kernel, proc: Process, attr: ObjAttr): number {
  const flags = attr.file_flags ?? 0;
  if (flags & ~BPF_F_PATH_FD) throw new BpfError('EINVAL');
  if (!(flags & BPF_F_PATH_FD) && attr.path_fd) throw new BpfError('EINVAL');
  const obj = probeObj(k, proc, attr.bpf_fd ?? 0);
  const at = k.vfs.lookup(attr.pathname, { parent: true });
  if (!at.dentry.inode?.isDir) throw new BpfError('ENOTDIR');
  if (at.dentry.sb.fstype !== 'bpf') throw new BpfError('EPERM');
  if (at.last.includes('.')) throw new BpfError('EPERM');
  if (at.last === '' || at.dentry.inode.children?.has(at.last)) throw new BpfError('EEXIST');
  const d = k.vfs.newDentry(at.dentry.sb, at.last, at.dentry);
  const inode = k.vfs.newInode(d, S_IFREG | (0o600 & ~k.umask));
  k.bpf.objGet(obj);
  inode.bpfObj = obj;
  k.pins.set(d, obj);
  return 0;
}

export function bpfObjGet(k: Kernel, proc: Process, attr: ObjAttr): number {
  const flags = attr.file_flags ?? 0;
  if (attr.bpf_fd || flags & ~(BPF_OBJ_FLAG_MASK | BPF_F_PATH_FD)) throw new BpfError('EINVAL');
  if (flags & (1 << 3) && flags & (1 << 4)) throw new BpfError('EINVAL');
  const { dentry } = k.vfs.lookup(attr.pathname);
  const obj = dentry.inode?.bpfObj as BpfObject | undefined;
  if (!obj) throw new BpfError('EACCES');
  k.bpf.objGet(obj);
  const acc = flags & (1 << 3) ? 0 : flags & (1 << 4) ? 1 : 2;
  return bpfObjNewFd(k, proc, obj, 0o2000000 | acc);
}

/**
 * open() of a pinned object: link types may provide it (iterators); everything
 * else is EIO. As in Linux (bpf_iter_fops on the bpffs inode), the opened file
 * is the pin itself: its f_path is the bpffs dentry and f_inode the pin's
 * inode, while reads, seeks and release go to the session the link made.
 */
export function bpfOpenPinned(k: Kernel, proc: Process, d: Dentry, flags: number): KFile {
  const obj = d.inode?.bpfObj as BpfObject | undefined;
  const mnt = k.vfs.mountOf(d.sb);
  if (!(obj?.kind === 'link' && obj.link.impl.open) || !mnt) throw new BpfError('EIO');
  const session = obj.link.impl.open(proc, flags);
  const ops = session.fops;
  const fops: FileOps = {
    release: () => session.put(),
    ...(ops.read ? { read: (_f, buf) => ops.read!(session, buf) } : {}),
    ...(ops.write ? { write: (_f, data) => ops.write!(session, data) } : {}),
    ...(ops.llseek ? { llseek: (_f, off, whence) => ops.llseek!(session, off, whence) } : {}),
  };
  return k.vfs.openFile(mnt, d, fops, flags, session.priv);
}

/** The pin's name went away (unlink): the inode's reference is dropped. */
export function bpfUnpinned(k: Kernel, d: Dentry): void {
  const obj = k.pins.get(d);
  if (!obj) return;
  k.pins.delete(d);
  k.bpf.objPut(obj);
}
