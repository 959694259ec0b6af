/**
 * A scripted Syscalls for tests (aya's override_syscall): records every
 * bpf() call with a copy of its attr, hands out fds, serves files from a
 * map, and lets a test decide per call what happens (errno, verifier log).
 */
import { type BpfAttrMap, type BpfCmdName, BpfError, type Errno, type Syscalls } from '@tsbpf/uapi';

export interface RecordedCall {
  cmd: BpfCmdName;
  attr: Record<string, unknown>;
  /** The fd or 0 returned, or the errno thrown. */
  result: number | Errno;
}

/** A handler may return a number (the result), throw, or return undefined for the default. */
export type BpfHandler = (cmd: BpfCmdName, attr: Record<string, unknown>, call: number) => number | undefined;

/** Writes a NUL-terminated log into the caller's log buffer, as the kernel does (truncated to fit). */
export function writeLog(attr: Record<string, unknown>, text: string, bufKey = 'log_buf'): boolean {
  const buf = attr[bufKey] as Uint8Array | undefined;
  if (!buf) return true;
  const bytes = new TextEncoder().encode(text);
  const n = Math.min(bytes.length, buf.length - 1);
  buf.set(bytes.subarray(0, n));
  buf[n] = 0;
  return bytes.length + 1 <= buf.length;
}

export class FakeSyscalls implements Syscalls {
  readonly calls: RecordedCall[] = [];
  readonly files = new Map<string, Uint8Array>();
  readonly openFds = new Set<number>();
  readonly closed: number[] = [];
  readonly unlinked: string[] = [];
  private nextFd = 3;
  private readonly reads = new Map<number, { data: Uint8Array; pos: number }>();
  handler: BpfHandler | undefined;

  bpf = (<C extends BpfCmdName>(cmd: C, attr: BpfAttrMap[C]): number => {
    const a = attr as unknown as Record<string, unknown>;
    const rec: RecordedCall = { cmd, attr: { ...a }, result: 0 };
    this.calls.push(rec);
    try {
      const r = this.handler?.(cmd, a, this.calls.length - 1);
      const result = r ?? this.defaultResult(cmd);
      rec.result = result;
      return result;
    } catch (e) {
      if (e instanceof BpfError) rec.result = e.errno;
      throw e;
    }
  }) as Syscalls['bpf'];

  private defaultResult(cmd: BpfCmdName): number {
    switch (cmd) {
      case 'BPF_MAP_CREATE':
      case 'BPF_PROG_LOAD':
      case 'BPF_BTF_LOAD':
      case 'BPF_LINK_CREATE':
      case 'BPF_ITER_CREATE':
      case 'BPF_OBJ_GET':
        return this.newFd();
      default:
        return 0;
    }
  }

  newFd(): number {
    const fd = this.nextFd++;
    this.openFds.add(fd);
    return fd;
  }

  open(path: string): number {
    const data = this.files.get(path);
    if (!data) throw new BpfError('ENOENT', undefined, { syscall: 'open' });
    const fd = this.newFd();
    this.reads.set(fd, { data, pos: 0 });
    return fd;
  }

  read(fd: number, buf: Uint8Array): number {
    const r = this.reads.get(fd);
    if (!r) throw new BpfError('EBADF', undefined, { syscall: 'read' });
    const n = Math.min(buf.length, r.data.length - r.pos);
    buf.set(r.data.subarray(r.pos, r.pos + n));
    r.pos += n;
    return n;
  }

  close(fd: number): void {
    if (!this.openFds.delete(fd)) throw new BpfError('EBADF', undefined, { syscall: 'close' });
    this.reads.delete(fd);
    this.closed.push(fd);
  }

  unlink(path: string): void {
    this.unlinked.push(path);
  }

  callsOf(cmd: BpfCmdName): RecordedCall[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }
}
