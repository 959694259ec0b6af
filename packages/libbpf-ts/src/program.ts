/**
 * A program of an opened object, its load (quiet first, then with a
 * growing log) and its attach functions.
 * @see struct bpf_program, bpf_object_load_prog, bpf_program__attach_iter,
 *      bpf_program__attach (tools/lib/bpf/libbpf.c)
 */
import type { Insn } from '@tsbpf/bpf-vm';
import {
  BPF_ITER_LINK_INFO_SIZE,
  BpfAttachType,
  BpfError,
  ERRNO,
  type Errno,
  encodeIterLinkInfo,
  type IterLinkInfo,
  isErrno,
  type ProgLoadAttr,
  type Syscalls,
  strerror,
} from '@tsbpf/uapi';
import { LibbpfError, VerifierError } from './errors.js';
import { BpfLink } from './link.js';
import type { ProgramDef } from './open.js';
import { prPermMsg } from './permMsg.js';
import { prDebug, prWarn } from './print.js';

/** libbpf's default verifier log buffer: UINT32_MAX >> 8. @see BPF_LOG_BUF_SIZE */
export const BPF_LOG_BUF_SIZE = 0xffffffff >>> 8;

export interface AttachIterOptions {
  /** `union bpf_iter_link_info` as fields (encoded for you) or raw bytes. */
  linkInfo?: IterLinkInfo | Uint8Array;
  /** Defaults to 16 (the union's size) for fields, the byte length for raw bytes. */
  linkInfoLen?: number;
}

function errnoOf(e: unknown): Errno {
  return e instanceof BpfError ? e.errno : 'EINVAL';
}

export class BpfProgram {
  /** -1 until loaded. @see bpf_program__fd */
  fd = -1;
  /** @see bpf_program__set_autoload */
  autoload = true;
  /** @see bpf_program__set_autoattach */
  autoattach: boolean;
  /** Instructions as last sent to the kernel (after relocation), for inspection. */
  loadedInsns: Insn[] | undefined;
  /** attach_btf_id resolved at load (BTF-attached programs). */
  attachBtfId = 0;
  /** Verifier log of the last load that produced one. */
  log = '';
  /** Attach target name set with setAttachTarget (overrides the section's). */
  attachTargetName: string | undefined;

  constructor(
    /** @internal */ readonly def: ProgramDef,
    private readonly sys: () => Syscalls | undefined,
  ) {
    this.autoattach = def.secDef?.autoAttach !== undefined;
    this.autoload = def.autoload;
  }

  /** @see bpf_program__name */
  get name(): string {
    return this.def.name;
  }
  /** @see bpf_program__section_name */
  get sectionName(): string {
    return this.def.secName;
  }
  /** @see bpf_program__type */
  get type(): number {
    return this.def.progType;
  }
  /** @see bpf_program__set_type */
  set type(t: number) {
    this.def.progType = t;
  }
  /** @see bpf_program__expected_attach_type */
  get expectedAttachType(): number {
    return this.def.expectedAttachType;
  }
  set expectedAttachType(t: number) {
    this.def.expectedAttachType = t;
  }
  /** @see bpf_program__flags */
  get flags(): number {
    return this.def.progFlags;
  }
  /**
   * Names the kernel function (or iterator target, tracepoint...) a
   * BTF-attached program binds to, for sections like bare SEC("iter") that
   * do not; resolved in kernel BTF at load.
   * @see bpf_program__set_attach_target (attach_prog_fd 0)
   */
  setAttachTarget(name: string): void {
    if (this.fd >= 0)
      throw new LibbpfError('EINVAL', `prog '${this.name}': can't set attach target after load`);
    this.attachTargetName = name;
    this.attachBtfId = 0;
  }

  /** The program's own instructions (before subprogram linking). @see bpf_program__insns */
  get insns(): readonly Insn[] {
    return this.def.insns;
  }

  private loadedSys(what: string): Syscalls {
    const s = this.sys();
    if (!s || this.fd < 0) {
      prWarn(`prog '${this.name}': can't attach before loaded`);
      throw new LibbpfError('EINVAL', `prog '${this.name}': can't ${what} before loaded`);
    }
    return s;
  }

  /**
   * Pins the loaded program in bpffs.
   * @see bpf_program__pin
   */
  pin(path: string): void {
    const sys = this.sys();
    if (!sys || this.fd < 0) {
      prWarn(`prog '${this.name}': can't pin program that wasn't loaded`);
      throw new LibbpfError('EINVAL', `prog '${this.name}': can't pin program that wasn't loaded`);
    }
    sys.bpf('BPF_OBJ_PIN', { pathname: path, bpf_fd: this.fd });
    prDebug(`prog '${this.name}': pinned at '${path}'`);
  }

  /**
   * Creates an iterator link (BPF_LINK_CREATE, BPF_TRACE_ITER).
   * @see bpf_program__attach_iter
   */
  attachIter(opts: AttachIterOptions = {}): BpfLink {
    const sys = this.loadedSys('attach');
    let info: Uint8Array | undefined;
    let len = 0;
    if (opts.linkInfo instanceof Uint8Array) {
      info = opts.linkInfo;
      len = opts.linkInfoLen ?? info.length;
    } else if (opts.linkInfo !== undefined) {
      info = encodeIterLinkInfo(opts.linkInfo);
      len = opts.linkInfoLen ?? BPF_ITER_LINK_INFO_SIZE;
    } else if (opts.linkInfoLen) {
      throw new LibbpfError('EINVAL', `prog '${this.name}': link_info_len without link_info`);
    }
    try {
      const fd = sys.bpf('BPF_LINK_CREATE', {
        prog_fd: this.fd,
        target_fd: 0,
        attach_type: BpfAttachType.BPF_TRACE_ITER,
        flags: 0,
        ...(info ? { iter_info: info, iter_info_len: len } : {}),
      });
      return new BpfLink(sys, fd);
    } catch (e) {
      const errno = errnoOf(e);
      prWarn(`prog '${this.name}': failed to attach to iterator: ${strerror(ERRNO[errno])}`);
      throw new LibbpfError(
        errno,
        `prog '${this.name}': failed to attach to iterator: ${strerror(ERRNO[errno])}`,
        undefined,
        {
          syscall: 'BPF_LINK_CREATE',
          cause: e,
        },
      );
    }
  }

  /**
   * Creates a BPF link for BTF-attached tracing programs (fentry/fexit/
   * tp_btf/fmod_ret/lsm) with BPF_LINK_CREATE.
   * @see bpf_program__attach_trace, bpf_program__attach_lsm
   */
  attachTrace(): BpfLink {
    const sys = this.loadedSys('attach');
    try {
      const fd = sys.bpf('BPF_LINK_CREATE', {
        prog_fd: this.fd,
        target_fd: 0,
        attach_type: this.expectedAttachType,
        flags: 0,
      });
      return new BpfLink(sys, fd);
    } catch (e) {
      const errno = errnoOf(e);
      prWarn(`prog '${this.name}': failed to attach: ${strerror(ERRNO[errno])}`);
      throw new LibbpfError(
        errno,
        `prog '${this.name}': failed to attach: ${strerror(ERRNO[errno])}`,
        undefined,
        { cause: e },
      );
    }
  }

  /**
   * Attaches by section definition. Returns undefined when the section does
   * not name a target (libbpf's "no link, no error" case).
   * @see bpf_program__attach
   */
  attach(): BpfLink | undefined {
    const kind = this.def.secDef?.autoAttach;
    if (kind === undefined) {
      prWarn(`prog '${this.name}': no auto-attach function for SEC("${this.sectionName}")`);
      throw new LibbpfError(
        'EOPNOTSUPP',
        `prog '${this.name}': no auto-attach function for SEC("${this.sectionName}")`,
      );
    }
    switch (kind) {
      case 'iter':
        return this.attachIter();
      case 'trace':
      case 'lsm':
        return this.attachTrace();
      default:
        // kprobe/uprobe/usdt/tracepoint/raw_tp attach need perf events or raw tracepoints, which the
        // Syscalls door does not offer: treated like a section without a target.
        prDebug(
          `prog '${this.name}': auto-attach of SEC("${this.sectionName}") is not supported here, skipping`,
        );
        return undefined;
    }
  }
}

export interface ProgLoadOptions {
  /** First log buffer size when a retry needs one (libbpf: 16 MiB - 1). */
  logSize?: number;
  /** Log level for the first attempt (0 = quiet first, libbpf's default). */
  logLevel?: number;
}

/** Rewrites a failed load's verifier log before it is reported (libbpf's fixup_verifier_log). */
export type LogFixup = (log: string) => string;

/**
 * BPF_PROG_LOAD as libbpf does it: quietly first, then with log_level 1 and
 * a buffer that doubles on ENOSPC. On failure prints libbpf's messages and
 * throws LibbpfError carrying the verifier log.
 * @see bpf_object_load_prog
 */
export function progLoad(
  sys: Syscalls,
  progName: string,
  base: ProgLoadAttr,
  opts: ProgLoadOptions = {},
  fixupLog?: LogFixup,
): { fd: number; log: string } {
  let logLevel = opts.logLevel ?? 0;
  let logSize = 0;
  let logBuf: Uint8Array | undefined;
  const decode = (b: Uint8Array | undefined) => {
    if (!b) return '';
    const end = b.indexOf(0);
    return new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
  };
  for (;;) {
    const attr: ProgLoadAttr = { ...base };
    if (logLevel) {
      logSize = Math.max(opts.logSize ?? BPF_LOG_BUF_SIZE, logSize * 2);
      logBuf = new Uint8Array(logSize);
      attr.log_level = logLevel;
      attr.log_size = logSize;
      attr.log_buf = logBuf;
    }
    try {
      const fd = sys.bpf('BPF_PROG_LOAD', attr);
      const log = decode(logBuf);
      if (logLevel) prDebug(`prog '${progName}': -- BEGIN PROG LOAD LOG --\n${log}-- END PROG LOAD LOG --`);
      return { fd, log };
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      if (logLevel === 0) {
        logLevel = 1;
        continue;
      }
      if (isErrno(e, 'ENOSPC') && logSize <= 0xffffffff / 2) continue;
      const raw = decode(logBuf) || e.log || '';
      const log = fixupLog ? fixupLog(raw) : raw;
      const msg = `prog '${progName}': BPF program load failed: ${strerror(e.code)}`;
      prWarn(msg);
      prPermMsg(sys, -e.code);
      if (log !== '') prWarn(`prog '${progName}': -- BEGIN PROG LOAD LOG --\n${log}-- END PROG LOAD LOG --`);
      throw new VerifierError(e.errno, msg, progName, log, e);
    }
  }
}
