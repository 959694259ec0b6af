import { BpfError, errnoName } from '@tsbpf/uapi';
import type { KObj } from '../mm/kobj.js';
import type { Dentry, Mount } from './vfs.js';

/** Kernel-side file operations (struct file_operations). Absent ops fail as Linux's defaults do. */
export interface FileOps {
  /** Reads into buf at the file position; returns bytes read (0 at EOF). */
  read?(f: KFile, buf: Uint8Array): number;
  write?(f: KFile, data: Uint8Array): number;
  /** Returns the new position. */
  llseek?(f: KFile, offset: number, whence: number): number;
  /** The last reference went away. */
  release?(f: KFile): void;
}

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** An open file: `struct file` in kernel memory plus its operations. */
export class KFile {
  refs = 1;
  constructor(
    readonly obj: KObj,
    readonly mnt: Mount,
    readonly dentry: Dentry,
    readonly fops: FileOps,
    readonly flags: number,
    /** private_data on the TS side (pipe buffer, bpf object, iterator session). */
    public priv: unknown,
    private readonly onFree: (f: KFile) => void,
  ) {}

  get addr(): bigint {
    return this.obj.addr;
  }

  get pos(): number {
    return Number(this.obj.get('f_pos'));
  }
  set pos(v: number) {
    this.obj.set('f_pos', v);
  }

  /** fget */
  get(): this {
    this.refs++;
    this.obj.set('f_count.counter', this.refs);
    return this;
  }

  /** fput: releases the file when the last reference goes. */
  put(): void {
    if (--this.refs > 0) {
      this.obj.set('f_count.counter', this.refs);
      return;
    }
    this.fops.release?.(this);
    this.onFree(this);
  }

  read(buf: Uint8Array): number {
    if ((this.flags & 3) === 1) throw new BpfError('EBADF', undefined, { syscall: 'read' });
    if (!this.fops.read) throw new BpfError('EINVAL', undefined, { syscall: 'read' });
    return checkRet(this.fops.read(this, buf), 'read');
  }

  write(data: Uint8Array): number {
    if ((this.flags & 3) === 0) throw new BpfError('EBADF', undefined, { syscall: 'write' });
    if (!this.fops.write) throw new BpfError('EINVAL', undefined, { syscall: 'write' });
    return checkRet(this.fops.write(this, data), 'write');
  }

  llseek(offset: number, whence: number): number {
    if (!this.fops.llseek) throw new BpfError('ESPIPE', undefined, { syscall: 'lseek' });
    return checkRet(this.fops.llseek(this, offset, whence), 'lseek');
  }
}

/** Reads from a byte string at the file position (simple_read_from_buffer). */
export function readFromBuffer(f: KFile, buf: Uint8Array, data: Uint8Array): number {
  const pos = f.pos;
  if (pos >= data.length) return 0;
  const n = Math.min(buf.length, data.length - pos);
  buf.set(data.subarray(pos, pos + n));
  f.pos = pos + n;
  return n;
}

/** generic_file_llseek over a known size. */
export function seekWithin(f: KFile, size: number, offset: number, whence: number): number {
  const base = whence === SEEK_SET ? 0 : whence === SEEK_CUR ? f.pos : whence === SEEK_END ? size : -1;
  if (base < 0) throw new BpfError('EINVAL', undefined, { syscall: 'lseek' });
  const p = base + offset;
  if (p < 0) throw new BpfError('EINVAL', undefined, { syscall: 'lseek' });
  f.pos = p;
  return p;
}

/** File operations may fail kernel-style with a negative errno; turn it into a BpfError. */
function checkRet(n: number, syscall: string): number {
  if (n >= 0) return n;
  throw new BpfError(errnoName(-n) ?? 'EINVAL', undefined, { syscall });
}
