/**
 * Iterator programs and links: attach-target resolution at BPF_PROG_LOAD,
 * BPF_LINK_CREATE (reference §4.1, checks in Linux's order), BPF_LINK_UPDATE
 * (§4.3), BPF_LINK_DETACH (EOPNOTSUPP), BPF_ITER_CREATE (§4.2), fdinfo and
 * bpf_link_info (§4.5). File descriptors are resolved by the host kernel; these
 * functions take the objects and return results or negative errnos.
 *
 * @see https://elixir.bootlin.com/linux/v6.12/source/kernel/bpf/bpf_iter.c
 */
import type { Btf } from '@tsbpf/btf';
import {
  BPF_F_REPLACE,
  BPF_ITER_LINK_INFO_SIZE,
  BpfAttachType,
  BpfProgType,
  ERRNO,
  type LinkCreateAttr,
} from '@tsbpf/uapi';
import type { IterKernel, IterProg } from './kernelApi.js';
import { PAGE_SIZE } from './seqFile.js';
import { type BpfIterFile, type BpfIterSessionState, bpfIterOpenSession } from './session.js';
import {
  BPF_ITER_RESCHED,
  type BpfCtxArgAux,
  type BpfIterAuxInfo,
  type BpfIterReg,
  type BpfIterTargets,
} from './target.js';

export const BPF_ITER_FUNC_PREFIX = 'bpf_iter_';

/** Result of a failed check: the errno and, where Linux logs one, the verifier log line. */
export interface IterCheckError {
  err: number;
  log?: string;
}

/** What a successful attach-target check gives the verifier. */
export interface IterAttachTarget<K extends IterKernel = IterKernel> {
  reg: BpfIterReg<K>;
  /** "bpf_iter_<target>". */
  attach_func_name: string;
  ctx_arg_info: readonly BpfCtxArgAux[];
}

/**
 * bpf_check_attach_target() for BPF_TRACE_ITER + bpf_iter_prog_supported():
 * attach_btf_id must name a FUNC (with a FUNC_PROTO) `bpf_iter_<target>` of a
 * registered target.
 */
export function bpfIterCheckAttachTarget<K extends IterKernel>(
  targets: BpfIterTargets<K>,
  btf: Btf,
  attachBtfId: number,
): IterAttachTarget<K> | IterCheckError {
  if (!attachBtfId) return { err: -ERRNO.EINVAL, log: 'Tracing programs must provide btf_id\n' };
  let t: ReturnType<Btf['type']>;
  try {
    t = btf.type(attachBtfId);
  } catch {
    return { err: -ERRNO.EINVAL, log: `attach_btf_id ${attachBtfId} is invalid\n` };
  }
  if (!t.name) return { err: -ERRNO.EINVAL, log: `attach_btf_id ${attachBtfId} doesn't have a name\n` };
  if (t.kind !== 'FUNC')
    return { err: -ERRNO.EINVAL, log: `attach_btf_id ${attachBtfId} is not a function\n` };
  let proto: ReturnType<Btf['type']>;
  try {
    proto = btf.type(t.type);
  } catch {
    return { err: -ERRNO.EINVAL };
  }
  if (proto.kind !== 'FUNC_PROTO') return { err: -ERRNO.EINVAL };
  if (!t.name.startsWith(BPF_ITER_FUNC_PREFIX)) return { err: -ERRNO.EINVAL };
  const reg = targets.find(t.name.slice(BPF_ITER_FUNC_PREFIX.length));
  if (!reg) return { err: -ERRNO.EINVAL };
  return { reg, attach_func_name: t.name, ctx_arg_info: reg.ctx_arg_info };
}

/** struct bpf_iter_link. */
export class BpfIterLink<K extends IterKernel = IterKernel> {
  /** Set by the host when it allocates the link id. */
  id = 0;
  constructor(
    public prog: IterProg,
    readonly reg: BpfIterReg<K>,
    readonly aux: BpfIterAuxInfo,
    readonly attachType: number,
  ) {}

  get targetName(): string {
    return this.reg.target;
  }

  /** bpf_iter_link_release + dealloc: the link's program reference and target params. */
  release(): void {
    this.reg.detach_target?.(this.aux);
    this.prog.put();
  }
}

/** The target a program was loaded for (its attach_btf_id's function name). */
function targetOfProg<K extends IterKernel>(
  targets: BpfIterTargets<K>,
  btf: Btf,
  prog: IterProg,
): BpfIterReg<K> | undefined {
  try {
    const t = btf.type(prog.attach_btf_id);
    if (t.kind !== 'FUNC' || !t.name.startsWith(BPF_ITER_FUNC_PREFIX)) return undefined;
    return targets.find(t.name.slice(BPF_ITER_FUNC_PREFIX.length));
  } catch {
    return undefined;
  }
}

/**
 * BPF_LINK_CREATE for BPF_TRACE_ITER (link_create's tracing branch +
 * bpf_iter_link_attach). Takes over the caller's program reference on
 * success. `caller` is the calling process (pid_fd lookups).
 */
export function bpfIterLinkCreate<K extends IterKernel>(
  kernel: K,
  targets: BpfIterTargets<K>,
  prog: IterProg,
  attr: LinkCreateAttr,
  caller: unknown,
): BpfIterLink<K> | number {
  if (
    prog.prog_type === BpfProgType.BPF_PROG_TYPE_TRACING &&
    attr.attach_type !== prog.expected_attach_type
  ) {
    return -ERRNO.EINVAL;
  }
  if (attr.attach_type !== BpfAttachType.BPF_TRACE_ITER) return -ERRNO.EINVAL;
  if (attr.target_fd || attr.flags) return -ERRNO.EINVAL;
  const len = attr.iter_info_len ?? 0;
  const ubuf = attr.iter_info;
  if ((ubuf === undefined) !== (len === 0)) return -ERRNO.EINVAL;
  let linfo: Uint8Array | undefined;
  if (ubuf) {
    // bpf_check_uarg_tail_zero()
    if (len > PAGE_SIZE) return -ERRNO.E2BIG;
    if (ubuf.length < len) return -ERRNO.EFAULT;
    for (let i = BPF_ITER_LINK_INFO_SIZE; i < len; i++) if (ubuf[i] !== 0) return -ERRNO.E2BIG;
    linfo = new Uint8Array(BPF_ITER_LINK_INFO_SIZE);
    linfo.set(ubuf.subarray(0, Math.min(len, BPF_ITER_LINK_INFO_SIZE)));
  }
  const reg = targetOfProg(targets, kernel.vmlinuxBtf, prog);
  if (!reg) return -ERRNO.ENOENT;
  if (prog.sleepable && !(reg.feature & BPF_ITER_RESCHED)) return -ERRNO.EINVAL;
  let aux: BpfIterAuxInfo = {};
  if (reg.attach_target) {
    const r = reg.attach_target(kernel, linfo ?? new Uint8Array(BPF_ITER_LINK_INFO_SIZE), caller);
    if (typeof r === 'number') return r;
    aux = r;
  }
  return new BpfIterLink(prog, reg, aux, attr.attach_type);
}

/**
 * BPF_LINK_UPDATE on an iterator link (link_update's flag checks +
 * bpf_iter_link_replace). `oldProg` is the program of old_prog_fd when given.
 * On success the link holds `newProg` (the caller's reference moves to the
 * link) and the old program's link reference is dropped.
 */
export function bpfIterLinkUpdate<K extends IterKernel>(
  link: BpfIterLink<K>,
  newProg: IterProg,
  flags: number,
  oldProg: IterProg | undefined,
  oldProgFdGiven = oldProg !== undefined,
  /** Drop the link's reference on the replaced program (false when the host does it). */
  putOld = true,
): number {
  if (flags & ~BPF_F_REPLACE) return -ERRNO.EINVAL;
  if (!(flags & BPF_F_REPLACE) && oldProgFdGiven) return -ERRNO.EINVAL;
  if (flags & BPF_F_REPLACE && oldProg && link.prog !== oldProg) return -ERRNO.EPERM;
  const cur = link.prog;
  if (
    cur.prog_type !== newProg.prog_type ||
    cur.expected_attach_type !== newProg.expected_attach_type ||
    cur.attach_btf_id !== newProg.attach_btf_id
  ) {
    return -ERRNO.EINVAL;
  }
  link.prog = newProg;
  if (putOld) cur.put();
  return 0;
}

/** BPF_LINK_DETACH: iterator links have no detach operation. */
export function bpfIterLinkDetach<K extends IterKernel>(_link: BpfIterLink<K>): number {
  return -ERRNO.EOPNOTSUPP;
}

/** The iterator lines of the link's fdinfo (after link_type, link_id, prog_tag, prog_id). */
export function bpfIterLinkShowFdinfo<K extends IterKernel>(link: BpfIterLink<K>): string {
  return `target_name:\t${link.reg.target}\n${link.reg.show_fdinfo?.(link.aux) ?? ''}`;
}

/** The complete fdinfo text of an iterator link fd, as /proc/<pid>/fdinfo shows it. */
export function bpfIterLinkFdinfo<K extends IterKernel>(link: BpfIterLink<K>): string {
  return `link_type:\titer\nlink_id:\t${link.id}\nprog_tag:\t${link.prog.tag}\nprog_id:\t${link.prog.id}\n${bpfIterLinkShowFdinfo(link)}`;
}

/** Size of struct bpf_link_info as iterator links fill it. */
export const BPF_LINK_INFO_ITER_SIZE = 48;

/**
 * bpf_iter_link_fill_link_info(): `info` is struct bpf_link_info (type, id
 * and prog_id are the host's); `targetName` is the user buffer iter.target_name
 * points to (undefined for a NULL pointer). Returns 0 or a negative errno;
 * on -ENOSPC the name is truncated with a NUL and the host must not copy
 * `info` back.
 */
export function bpfIterLinkFillLinkInfo<K extends IterKernel>(
  link: BpfIterLink<K>,
  info: DataView,
  targetName: Uint8Array | undefined,
): number {
  const ulen = info.getUint32(24, true);
  if ((ulen === 0) !== (targetName === undefined)) return -ERRNO.EINVAL;
  const name = new TextEncoder().encode(link.reg.target);
  info.setUint32(24, name.length + 1, true);
  if (targetName) {
    if (ulen >= name.length + 1) {
      targetName.set(name);
      targetName[name.length] = 0;
    } else {
      targetName.set(name.subarray(0, ulen - 1));
      targetName[ulen - 1] = 0;
      return -ERRNO.ENOSPC;
    }
  }
  link.reg.fill_link_info?.(link.aux, info);
  return 0;
}

/** BPF_ITER_CREATE: a new anonymous iterator session from an iterator link. */
export function bpfIterCreate<K extends IterKernel>(
  state: BpfIterSessionState,
  kernel: K,
  link: BpfIterLink<K> | undefined,
  flags: number,
  opener: unknown,
): BpfIterFile | number {
  if (flags) return -ERRNO.EINVAL;
  if (!link) return -ERRNO.EINVAL;
  return bpfIterOpenSession(state, kernel, link.reg, link.prog, link.aux, opener, 'anon');
}

/** open() of a pinned iterator link: a new session with the link's current program. */
export function bpfIterOpenPinned<K extends IterKernel>(
  state: BpfIterSessionState,
  kernel: K,
  link: BpfIterLink<K>,
  openFlags: number,
  opener: unknown,
): BpfIterFile {
  return bpfIterOpenSession(state, kernel, link.reg, link.prog, link.aux, opener, 'pinned', openFlags);
}
