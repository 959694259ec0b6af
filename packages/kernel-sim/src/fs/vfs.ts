/**
 * The VFS: superblocks, mounts, dentries and inodes, each a kernel object in
 * memory (struct super_block / vfsmount / dentry / inode) mirrored by a small
 * TS node that holds what the TS side needs (children, file data, hooks).
 */
import { BpfError } from '@tsbpf/uapi';
import type { KObj } from '../mm/kobj.js';
import { DNAME_INLINE_LEN } from '../types/vmlinux.js';
import { type FileOps, KFile } from './file.js';

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** What the kernel needs from its host to create objects. */
export interface VfsHost {
  allocObj(type: string, name?: string): KObj;
  allocBytes(size: number, name: string): bigint;
  freeObj(obj: KObj): void;
  freeBytes(addr: bigint): void;
}

export class SuperBlock {
  nextIno = 1;
  constructor(
    readonly obj: KObj,
    readonly fstype: string,
    readonly magic: bigint,
  ) {}
}

export class Inode {
  /** Directory entries (dirs). */
  children: Map<string, Dentry> | undefined;
  /** Regular file contents. */
  data: Uint8Array | undefined;
  /** Symlink target. */
  target: string | undefined;
  /** How open() makes file operations (procfs, bpffs pins, devices). */
  open: ((flags: number) => { fops: FileOps; priv?: unknown }) | undefined;
  /** A pinned bpf object (bpffs). */
  bpfObj: unknown;
  /** Dynamic directories (procfs): makes the child on each lookup. */
  lookupHook: ((name: string) => Dentry | undefined) | undefined;
  /** procfs: the task a /proc/<pid> directory stands for. */
  i_private_task: unknown;
  /** Dynamic directories: the names readdir shows. */
  listHook: (() => string[]) | undefined;
  /** Dynamic symlinks (procfs fd links). */
  readlinkHook: (() => string) | undefined;
  constructor(
    readonly obj: KObj,
    readonly sb: SuperBlock,
    readonly ino: number,
    public mode: number,
  ) {}
  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
}

export class Dentry {
  /** Address of an external name (names too long for d_iname). */
  extName: bigint | undefined;
  constructor(
    readonly obj: KObj,
    readonly name: string,
    readonly parent: Dentry | undefined,
    public inode: Inode | undefined,
    readonly sb: SuperBlock,
  ) {}
}

export class Mount {
  constructor(
    readonly obj: KObj,
    readonly sb: SuperBlock,
    readonly root: Dentry,
    readonly parent: Mount | undefined,
    readonly mountpoint: Dentry | undefined,
  ) {}
}

const enc = new TextEncoder();

/** full_name_hash-like 32-bit hash of a name (the value is ours; only consistency matters). */
function nameHash(bytes: Uint8Array): number {
  let h = 0;
  for (const b of bytes) h = (Math.imul(h, 31) + b) >>> 0;
  return h;
}

export class Vfs {
  readonly root: Mount;
  private mounts: Mount[] = [];
  private fileCount = 0;

  /** anon_inode_getfile (installed by the kernel, which owns the anon_inodefs mount). */
  anonInodeFile: (name: string, fops: FileOps, flags: number, priv?: unknown) => KFile = () => {
    throw new Error('anon_inodefs is not set up');
  };

  constructor(private readonly host: VfsHost) {
    const sb = this.newSuper('rootfs', 0x858458f6n);
    this.root = this.newMount(sb, undefined, undefined);
  }

  get openFiles(): number {
    return this.fileCount;
  }

  newSuper(fstype: string, magic: bigint): SuperBlock {
    const obj = this.host.allocObj('super_block');
    obj.set('s_magic', magic);
    obj.set('s_blocksize', 4096);
    obj.setString('s_id', fstype);
    obj.set('s_dev', this.mounts.length + 1);
    const sb = new SuperBlock(obj, fstype, magic);
    const root = this.newDentry(sb, '/', undefined);
    this.newInode(root, S_IFDIR | 0o755);
    obj.set('s_root', root.obj.addr);
    (sb as { rootDentry?: Dentry }).rootDentry = root;
    return sb;
  }

  superRoot(sb: SuperBlock): Dentry {
    return (sb as unknown as { rootDentry: Dentry }).rootDentry;
  }

  private newMount(sb: SuperBlock, parent: Mount | undefined, mountpoint: Dentry | undefined): Mount {
    const obj = this.host.allocObj('vfsmount');
    const root = this.superRoot(sb);
    obj.set('mnt_root', root.obj.addr);
    obj.set('mnt_sb', sb.obj.addr);
    const m = new Mount(obj, sb, root, parent, mountpoint);
    this.mounts.push(m);
    return m;
  }

  /** The mount id (as /proc/<pid>/fdinfo and mountinfo show it). */
  mountId(m: Mount): number {
    return this.mounts.indexOf(m) + 21;
  }

  /** kern_mount: an internal mount with no mountpoint (pipefs, sockfs, anon_inodefs). */
  kernMount(sb: SuperBlock): Mount {
    return this.newMount(sb, undefined, undefined);
  }

  /** Mounts a new filesystem of `fstype` at an existing directory. */
  mount(path: string, fstype: string, magic: bigint): Mount {
    const at = this.lookup(path);
    if (!at.dentry.inode?.isDir) throw new BpfError('ENOTDIR', undefined, { syscall: 'mount' });
    return this.newMount(this.newSuper(fstype, magic), at.mnt, at.dentry);
  }

  mountOf(sb: SuperBlock): Mount | undefined {
    return this.mounts.find((m) => m.sb === sb);
  }

  /** d_alloc: a dentry named `name`, with its name bytes in kernel memory. */
  newDentry(sb: SuperBlock, name: string, parent: Dentry | undefined): Dentry {
    const obj = this.host.allocObj('dentry');
    const bytes = enc.encode(name);
    let nameAddr: bigint;
    if (bytes.length < DNAME_INLINE_LEN) {
      nameAddr = obj.addrOf('d_iname');
    } else {
      nameAddr = this.host.allocBytes(bytes.length + 1, 'external_name');
    }
    obj.mem.writeBytes(nameAddr, bytes);
    obj.set('d_name.name', nameAddr);
    obj.set('d_name.len', bytes.length);
    obj.set('d_name.hash', nameHash(bytes));
    obj.set('d_sb', sb.obj.addr);
    const d = new Dentry(obj, name, parent, undefined, sb);
    if (bytes.length >= DNAME_INLINE_LEN) d.extName = nameAddr;
    obj.set('d_parent', parent ? parent.obj.addr : obj.addr);
    if (parent?.inode?.children) parent.inode.children.set(name, d);
    return d;
  }

  /** new_inode + d_instantiate */
  newInode(d: Dentry, mode: number, ino?: number): Inode {
    const obj = this.host.allocObj('inode');
    const i = new Inode(obj, d.sb, ino ?? d.sb.nextIno++, mode);
    obj.set('i_mode', mode);
    obj.set('i_ino', i.ino);
    obj.set('i_sb', d.sb.obj.addr);
    obj.set('__i_nlink', (mode & S_IFMT) === S_IFDIR ? 2 : 1);
    if ((mode & S_IFMT) === S_IFDIR) i.children = new Map();
    d.inode = i;
    d.obj.set('d_inode', obj.addr);
    return i;
  }

  /** Removes a dentry from its parent and frees its memory (d_delete + dput). */
  removeDentry(d: Dentry): void {
    d.parent?.inode?.children?.delete(d.name);
  }

  private mountAt(parent: Mount, d: Dentry): Mount | undefined {
    return this.mounts.find((m) => m.parent === parent && m.mountpoint === d);
  }

  /** Path walk from `/` (absolute paths only); follows mounts, `.` and `..`. */
  lookup(path: string, opts: { parent?: boolean } = {}): { mnt: Mount; dentry: Dentry; last: string } {
    if (!path.startsWith('/')) throw new BpfError('ENOENT', `relative path ${path}`);
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    const last = opts.parent ? (parts.pop() ?? '') : (parts[parts.length - 1] ?? '');
    let mnt = this.root;
    let d = this.root.root;
    for (const part of parts) {
      if (!d.inode?.isDir) throw new BpfError('ENOTDIR');
      if (part === '..') {
        if (d === mnt.root && mnt.parent && mnt.mountpoint) {
          d = mnt.mountpoint;
          mnt = mnt.parent;
        }
        d = d.parent ?? d;
        continue;
      }
      if (d.sb.fstype === 'bpf' && part.includes('.')) throw new BpfError('EPERM');
      const child = d.inode.lookupHook ? d.inode.lookupHook(part) : d.inode.children?.get(part);
      if (!child) throw new BpfError('ENOENT');
      d = child;
      for (let m = this.mountAt(mnt, d); m; m = this.mountAt(mnt, d)) {
        mnt = m;
        d = m.root;
      }
    }
    return { mnt, dentry: d, last };
  }

  /** d_path: the path of a dentry through the mount tree; pseudo files are named by d_dname. */
  dPath(mnt: Mount, d: Dentry): string {
    if (mnt.sb.fstype === 'pipefs') return `pipe:[${d.inode?.ino ?? 0}]`;
    if (mnt.sb.fstype === 'sockfs') return `socket:[${d.inode?.ino ?? 0}]`;
    if (mnt.sb.fstype === 'anon_inodefs') return `anon_inode:${d.name}`;
    const parts: string[] = [];
    let m: Mount | undefined = mnt;
    let cur: Dentry | undefined = d;
    while (m && cur) {
      if (cur === m.root) {
        cur = m.mountpoint;
        m = m.parent;
        continue;
      }
      parts.unshift(cur.name);
      cur = cur.parent;
    }
    return `/${parts.join('/')}`;
  }

  /** dput of an unhashed dentry (and iput of its own inode): frees their kernel memory. */
  freeDentry(d: Dentry, withInode: boolean): void {
    if (withInode && d.inode) this.host.freeObj(d.inode.obj);
    if (d.extName !== undefined) this.host.freeBytes(d.extName);
    this.host.freeObj(d.obj);
  }

  /**
   * alloc_file: a struct file for an opened dentry. `owns` says the file is
   * the only user of its dentry (and inode): pseudo files free them on release.
   */
  openFile(
    mnt: Mount,
    d: Dentry,
    fops: FileOps,
    flags: number,
    priv?: unknown,
    owns?: { dentry: boolean; inode: boolean },
  ): KFile {
    const obj = this.host.allocObj('file');
    obj.set('f_path.mnt', mnt.obj.addr);
    obj.set('f_path.dentry', d.obj.addr);
    obj.set('f_inode', d.inode ? d.inode.obj.addr : 0n);
    obj.set('f_flags', flags);
    const acc = flags & 3;
    // FMODE_READ 0x1, FMODE_WRITE 0x2, FMODE_LSEEK 0x4, FMODE_PREAD 0x8
    obj.set(
      'f_mode',
      (acc === 0 || acc === 2 ? 1 : 0) | (acc === 1 || acc === 2 ? 2 : 0) | (fops.llseek ? 0xc : 0),
    );
    obj.set('f_count.counter', 1);
    this.fileCount++;
    return new KFile(obj, mnt, d, fops, flags, priv, (f) => {
      this.fileCount--;
      this.host.freeObj(f.obj);
      if (owns?.dentry) this.freeDentry(d, owns.inode);
    });
  }
}
