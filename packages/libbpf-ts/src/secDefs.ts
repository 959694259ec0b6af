/**
 * The SEC() name table: which program type, expected attach type and flags a
 * section name means, and how (whether) a program is auto-attached. Entries
 * are tried in order, as libbpf's `section_defs[]`; names follow libbpf's
 * matching rules (see secDefMatches).
 *
 * @see section_defs, find_sec_def, sec_def_matches (tools/lib/bpf/libbpf.c)
 */
import { BpfAttachType as A, BpfProgType as P } from '@tsbpf/uapi';

/** How a program of this section is auto-attached (libbpf's prog_attach_fn). */
export type AutoAttachKind =
  | 'iter'
  | 'trace'
  | 'lsm'
  | 'kprobe'
  | 'kprobe_multi'
  | 'uprobe'
  | 'usdt'
  | 'tracepoint'
  | 'raw_tracepoint';

/** SEC_* flags of libbpf's bpf_sec_def. */
export const SEC_NONE = 0;
/** expected_attach_type is optional if the kernel doesn't support it. */
export const SEC_EXP_ATTACH_OPT = 1 << 0;
/** Attachable through BPF_PROG_ATTACH / bpf_program__attach_*. */
export const SEC_ATTACHABLE = 1 << 1;
export const SEC_ATTACHABLE_OPT = SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT;
/** Needs attach_btf_id resolved in kernel (or target program) BTF. */
export const SEC_ATTACH_BTF = 1 << 2;
/** Loaded with BPF_F_SLEEPABLE. */
export const SEC_SLEEPABLE = 1 << 3;
/** Loaded with BPF_F_XDP_HAS_FRAGS. */
export const SEC_XDP_FRAGS = 1 << 4;
/** USDT programs get a cookie-based attach. */
export const SEC_USDT = 1 << 5;

export interface SecDef {
  /** The pattern: "name" exact, "name/" prefix, "name+" exact or "name/..." */
  sec: string;
  progType: number;
  expectedAttachType: number;
  flags: number;
  /** Present when bpf_program__attach() (and skeleton attach) knows how to attach it. */
  autoAttach?: AutoAttachKind;
}

const def = (
  sec: string,
  progType: number,
  expectedAttachType: number,
  flags: number,
  autoAttach?: AutoAttachKind,
): SecDef =>
  autoAttach
    ? { sec, progType, expectedAttachType, flags, autoAttach }
    : { sec, progType, expectedAttachType, flags };

/** libbpf's table, in libbpf's order (first match wins). */
export const SECTION_DEFS: readonly SecDef[] = [
  def('socket', P.BPF_PROG_TYPE_SOCKET_FILTER, 0, SEC_NONE),
  def(
    'sk_reuseport/migrate',
    P.BPF_PROG_TYPE_SK_REUSEPORT,
    A.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
    SEC_ATTACHABLE,
  ),
  def('sk_reuseport', P.BPF_PROG_TYPE_SK_REUSEPORT, A.BPF_SK_REUSEPORT_SELECT, SEC_ATTACHABLE),
  def('kprobe+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, 'kprobe'),
  def('uprobe+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, 'uprobe'),
  def('uprobe.s+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, 'uprobe'),
  def('kretprobe+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, 'kprobe'),
  def('uretprobe+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_NONE, 'uprobe'),
  def('uretprobe.s+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_SLEEPABLE, 'uprobe'),
  def('kprobe.multi+', P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_KPROBE_MULTI, SEC_NONE, 'kprobe_multi'),
  def('kretprobe.multi+', P.BPF_PROG_TYPE_KPROBE, A.BPF_TRACE_KPROBE_MULTI, SEC_NONE, 'kprobe_multi'),
  def('usdt+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_USDT, 'usdt'),
  def('usdt.s+', P.BPF_PROG_TYPE_KPROBE, 0, SEC_USDT | SEC_SLEEPABLE, 'usdt'),
  def('tc', P.BPF_PROG_TYPE_SCHED_CLS, 0, SEC_NONE),
  def('classifier', P.BPF_PROG_TYPE_SCHED_CLS, 0, SEC_NONE),
  def('action', P.BPF_PROG_TYPE_SCHED_ACT, 0, SEC_NONE),
  def('tracepoint+', P.BPF_PROG_TYPE_TRACEPOINT, 0, SEC_NONE, 'tracepoint'),
  def('tp+', P.BPF_PROG_TYPE_TRACEPOINT, 0, SEC_NONE, 'tracepoint'),
  def('raw_tracepoint+', P.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_NONE, 'raw_tracepoint'),
  def('raw_tp+', P.BPF_PROG_TYPE_RAW_TRACEPOINT, 0, SEC_NONE, 'raw_tracepoint'),
  def('raw_tracepoint.w+', P.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, 'raw_tracepoint'),
  def('raw_tp.w+', P.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, 'raw_tracepoint'),
  def('tp_btf+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_RAW_TP, SEC_ATTACH_BTF, 'trace'),
  def('fentry+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY, SEC_ATTACH_BTF, 'trace'),
  def('fmod_ret+', P.BPF_PROG_TYPE_TRACING, A.BPF_MODIFY_RETURN, SEC_ATTACH_BTF, 'trace'),
  def('fexit+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FEXIT, SEC_ATTACH_BTF, 'trace'),
  def('fentry.s+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE, 'trace'),
  def('fmod_ret.s+', P.BPF_PROG_TYPE_TRACING, A.BPF_MODIFY_RETURN, SEC_ATTACH_BTF | SEC_SLEEPABLE, 'trace'),
  def('fexit.s+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE, 'trace'),
  def('freplace+', P.BPF_PROG_TYPE_EXT, 0, SEC_ATTACH_BTF, 'trace'),
  def('lsm+', P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC, SEC_ATTACH_BTF, 'lsm'),
  def('lsm.s+', P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE, 'lsm'),
  def('lsm_cgroup+', P.BPF_PROG_TYPE_LSM, A.BPF_LSM_CGROUP, SEC_ATTACH_BTF),
  def('iter+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_ITER, SEC_ATTACH_BTF, 'iter'),
  def('iter.s+', P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_ITER, SEC_ATTACH_BTF | SEC_SLEEPABLE, 'iter'),
  def('syscall', P.BPF_PROG_TYPE_SYSCALL, 0, SEC_SLEEPABLE),
  def('xdp.frags/devmap', P.BPF_PROG_TYPE_XDP, A.BPF_XDP_DEVMAP, SEC_XDP_FRAGS),
  def('xdp/devmap', P.BPF_PROG_TYPE_XDP, A.BPF_XDP_DEVMAP, SEC_ATTACHABLE),
  def('xdp.frags/cpumap', P.BPF_PROG_TYPE_XDP, A.BPF_XDP_CPUMAP, SEC_XDP_FRAGS),
  def('xdp/cpumap', P.BPF_PROG_TYPE_XDP, A.BPF_XDP_CPUMAP, SEC_ATTACHABLE),
  def('xdp.frags', P.BPF_PROG_TYPE_XDP, A.BPF_XDP, SEC_XDP_FRAGS),
  def('xdp', P.BPF_PROG_TYPE_XDP, A.BPF_XDP, SEC_ATTACHABLE_OPT),
  def('perf_event', P.BPF_PROG_TYPE_PERF_EVENT, 0, SEC_NONE),
  def('lwt_in', P.BPF_PROG_TYPE_LWT_IN, 0, SEC_NONE),
  def('lwt_out', P.BPF_PROG_TYPE_LWT_OUT, 0, SEC_NONE),
  def('lwt_xmit', P.BPF_PROG_TYPE_LWT_XMIT, 0, SEC_NONE),
  def('lwt_seg6local', P.BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, SEC_NONE),
  def('sockops', P.BPF_PROG_TYPE_SOCK_OPS, A.BPF_CGROUP_SOCK_OPS, SEC_ATTACHABLE_OPT),
  def('sk_skb/stream_parser', P.BPF_PROG_TYPE_SK_SKB, A.BPF_SK_SKB_STREAM_PARSER, SEC_ATTACHABLE_OPT),
  def('sk_skb/stream_verdict', P.BPF_PROG_TYPE_SK_SKB, A.BPF_SK_SKB_STREAM_VERDICT, SEC_ATTACHABLE_OPT),
  def('sk_skb', P.BPF_PROG_TYPE_SK_SKB, 0, SEC_NONE),
  def('sk_msg', P.BPF_PROG_TYPE_SK_MSG, A.BPF_SK_MSG_VERDICT, SEC_ATTACHABLE_OPT),
  def('lirc_mode2', P.BPF_PROG_TYPE_LIRC_MODE2, A.BPF_LIRC_MODE2, SEC_ATTACHABLE_OPT),
  def('flow_dissector', P.BPF_PROG_TYPE_FLOW_DISSECTOR, A.BPF_FLOW_DISSECTOR, SEC_ATTACHABLE_OPT),
  def('cgroup_skb/ingress', P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_INGRESS, SEC_ATTACHABLE_OPT),
  def('cgroup_skb/egress', P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_EGRESS, SEC_ATTACHABLE_OPT),
  def('cgroup/skb', P.BPF_PROG_TYPE_CGROUP_SKB, 0, SEC_NONE),
  def('cgroup/sock_create', P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE),
  def('cgroup/sock_release', P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_RELEASE, SEC_ATTACHABLE),
  def('cgroup/sock', P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE_OPT),
  def('cgroup/post_bind4', P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET4_POST_BIND, SEC_ATTACHABLE),
  def('cgroup/post_bind6', P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET6_POST_BIND, SEC_ATTACHABLE),
  def('cgroup/bind4', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_BIND, SEC_ATTACHABLE),
  def('cgroup/bind6', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET6_BIND, SEC_ATTACHABLE),
  def('cgroup/connect4', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_CONNECT, SEC_ATTACHABLE),
  def('cgroup/connect6', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET6_CONNECT, SEC_ATTACHABLE),
  def('cgroup/sendmsg4', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP4_SENDMSG, SEC_ATTACHABLE),
  def('cgroup/sendmsg6', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP6_SENDMSG, SEC_ATTACHABLE),
  def('cgroup/recvmsg4', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP4_RECVMSG, SEC_ATTACHABLE),
  def('cgroup/recvmsg6', P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_UDP6_RECVMSG, SEC_ATTACHABLE),
  def(
    'cgroup/getpeername4',
    P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    A.BPF_CGROUP_INET4_GETPEERNAME,
    SEC_ATTACHABLE,
  ),
  def(
    'cgroup/getpeername6',
    P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    A.BPF_CGROUP_INET6_GETPEERNAME,
    SEC_ATTACHABLE,
  ),
  def(
    'cgroup/getsockname4',
    P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    A.BPF_CGROUP_INET4_GETSOCKNAME,
    SEC_ATTACHABLE,
  ),
  def(
    'cgroup/getsockname6',
    P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    A.BPF_CGROUP_INET6_GETSOCKNAME,
    SEC_ATTACHABLE,
  ),
  def('cgroup/sysctl', P.BPF_PROG_TYPE_CGROUP_SYSCTL, A.BPF_CGROUP_SYSCTL, SEC_ATTACHABLE),
  def('cgroup/getsockopt', P.BPF_PROG_TYPE_CGROUP_SOCKOPT, A.BPF_CGROUP_GETSOCKOPT, SEC_ATTACHABLE),
  def('cgroup/setsockopt', P.BPF_PROG_TYPE_CGROUP_SOCKOPT, A.BPF_CGROUP_SETSOCKOPT, SEC_ATTACHABLE),
  def('cgroup/dev', P.BPF_PROG_TYPE_CGROUP_DEVICE, A.BPF_CGROUP_DEVICE, SEC_ATTACHABLE_OPT),
  def('struct_ops+', P.BPF_PROG_TYPE_STRUCT_OPS, 0, SEC_NONE),
  def('sk_lookup', P.BPF_PROG_TYPE_SK_LOOKUP, A.BPF_SK_LOOKUP, SEC_ATTACHABLE),
];

/**
 * libbpf's matching rule: "type/" needs the prefix; "type+" is "type" alone
 * or "type/<anything>"; anything else must match exactly.
 * @see sec_def_matches
 */
export function secDefMatches(def: SecDef, secName: string): boolean {
  const pat = def.sec;
  if (pat.endsWith('/')) return secName.startsWith(pat);
  if (pat.endsWith('+')) {
    const base = pat.slice(0, -1);
    if (!secName.startsWith(base)) return false;
    const next = secName.charAt(base.length);
    return next === '' || next === '/';
  }
  return secName === pat;
}

/** The first definition matching a SEC() name. @see find_sec_def */
export function findSecDef(secName: string, defs: readonly SecDef[] = SECTION_DEFS): SecDef | undefined {
  return defs.find((d) => secDefMatches(d, secName));
}

/**
 * The attach target named in the section (the part after the first '/'),
 * e.g. "task" for "iter/task"; undefined for a bare "iter".
 */
export function secAttachTarget(secName: string): string | undefined {
  const slash = secName.indexOf('/');
  return slash < 0 ? undefined : secName.slice(slash + 1);
}
