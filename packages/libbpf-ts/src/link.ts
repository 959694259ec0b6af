/**
 * Links (fd-based) and iterator creation.
 * @see struct bpf_link, bpf_link__pin, bpf_link__unpin, bpf_link__update_program,
 *      bpf_link__destroy, bpf_iter_create (tools/lib/bpf/libbpf.c, bpf.c)
 */
import { BpfError, type Syscalls } from '@tsbpf/uapi';
import { LibbpfError } from './errors.js';
import { prDebug, prWarn } from './print.js';

/** What a link needs from a program to update it. */
export interface LinkProgramRef {
  readonly name: string;
  readonly fd: number;
}

export class BpfLink {
  private _pinPath: string | undefined;
  private destroyed = false;

  constructor(
    private readonly sys: Syscalls,
    /** The link fd. @see bpf_link__fd */
    readonly fd: number,
  ) {}

  /**
   * Opens a pinned link (BPF_OBJ_GET); the link remembers its pin path.
   * @see bpf_link__open
   */
  static open(sys: Syscalls, path: string): BpfLink {
    let fd: number;
    try {
      fd = sys.bpf('BPF_OBJ_GET', { pathname: path, file_flags: 0 });
    } catch (e) {
      const code = e instanceof BpfError ? e.code : 22;
      prWarn(`failed to open link at ${path}: ${-code}`);
      throw e;
    }
    const link = new BpfLink(sys, fd);
    link._pinPath = path;
    return link;
  }

  /** @see bpf_link__pin_path */
  get pinPath(): string | undefined {
    return this._pinPath;
  }

  /**
   * Pins the link in bpffs (BPF_OBJ_PIN). EBUSY when already pinned.
   * @see bpf_link__pin
   */
  pin(path: string): void {
    if (this._pinPath !== undefined)
      throw new LibbpfError('EBUSY', `link fd=${this.fd}: already pinned at ${this._pinPath}`);
    this.sys.bpf('BPF_OBJ_PIN', { pathname: path, bpf_fd: this.fd });
    this._pinPath = path;
    prDebug(`link fd=${this.fd}: pinned at ${path}`);
  }

  /** Removes the pin (unlink). @see bpf_link__unpin */
  unpin(): void {
    if (this._pinPath === undefined) throw new LibbpfError('EINVAL', `link fd=${this.fd}: not pinned`);
    this.sys.unlink(this._pinPath);
    prDebug(`link fd=${this.fd}: unpinned from ${this._pinPath}`);
    this._pinPath = undefined;
  }

  /**
   * Replaces the link's program (BPF_LINK_UPDATE, no flags).
   * @see bpf_link__update_program
   */
  updateProgram(prog: LinkProgramRef): void {
    if (prog.fd < 0)
      throw new LibbpfError(
        'EINVAL',
        `prog '${prog.name}': can't update a link before the program is loaded`,
      );
    this.sys.bpf('BPF_LINK_UPDATE', { link_fd: this.fd, new_prog_fd: prog.fd, flags: 0 });
  }

  /**
   * Detaches the link from the kernel object where the link type allows it.
   * @see bpf_link__detach
   */
  detach(): void {
    this.sys.bpf('BPF_LINK_DETACH', { link_fd: this.fd });
  }

  /** Closes the link fd (a pinned link stays alive). Idempotent. @see bpf_link__destroy */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.sys.close(this.fd);
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }
}

/**
 * Opens a new iterator session on an iterator link: BPF_ITER_CREATE with
 * flags 0. Returns the fd to read(); throws BpfError (EBADF, EINVAL, ...).
 * @see bpf_iter_create
 */
export function createIter(sys: Syscalls, link: BpfLink | number): number {
  const linkFd = typeof link === 'number' ? link : link.fd;
  return sys.bpf('BPF_ITER_CREATE', { link_fd: linkFd, flags: 0 });
}
