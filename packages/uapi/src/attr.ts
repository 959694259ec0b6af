/**
 * The shapes of `union bpf_attr` for each bpf() command, with the kernel's
 * field names. A user pointer in the C ABI is a `Uint8Array` here (memory the
 * caller owns; the kernel reads it, or writes into it for out-buffers such as
 * `log_buf` and `value`); strings the kernel copies in are plain strings.
 * Fields the kernel writes back (`log_true_size`, `info_len`, ...) are
 * assigned on the attr object itself, as the kernel writes user memory.
 */

/** @see union bpf_attr, BPF_MAP_CREATE */
export interface MapCreateAttr {
  map_type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags?: number;
  inner_map_fd?: number;
  numa_node?: number;
  map_name?: string;
  map_ifindex?: number;
  btf_fd?: number;
  btf_key_type_id?: number;
  btf_value_type_id?: number;
  btf_vmlinux_value_type_id?: number;
  map_extra?: bigint;
}

/** @see union bpf_attr, BPF_MAP_*_ELEM */
export interface MapElemAttr {
  map_fd: number;
  key: Uint8Array;
  /** In for update, out for lookup. */
  value?: Uint8Array;
  /** Out for BPF_MAP_GET_NEXT_KEY. */
  next_key?: Uint8Array;
  flags?: bigint | number;
}

/** @see union bpf_attr, BPF_MAP_FREEZE */
export interface MapFreezeAttr {
  map_fd: number;
}

/** @see union bpf_attr, BPF_PROG_LOAD */
export interface ProgLoadAttr {
  prog_type: number;
  /** Raw instructions, 8 bytes per slot, little-endian. */
  insns: Uint8Array;
  insn_cnt: number;
  license: string;
  log_level?: number;
  log_size?: number;
  /** Out: the verifier log, NUL-terminated, as much as fits in `log_size`. */
  log_buf?: Uint8Array;
  /** Out: the size the whole log needed, NUL included. */
  log_true_size?: number;
  kern_version?: number;
  prog_flags?: number;
  prog_name?: string;
  prog_ifindex?: number;
  expected_attach_type?: number;
  prog_btf_fd?: number;
  func_info_rec_size?: number;
  func_info?: Uint8Array;
  func_info_cnt?: number;
  line_info_rec_size?: number;
  line_info?: Uint8Array;
  line_info_cnt?: number;
  attach_btf_id?: number;
  attach_btf_obj_fd?: number;
  attach_prog_fd?: number;
  /** Map (and module BTF) fds that BPF_PSEUDO_MAP_IDX instructions index. */
  fd_array?: readonly number[];
}

/** @see union bpf_attr, BPF_OBJ_PIN and BPF_OBJ_GET */
export interface ObjAttr {
  pathname: string;
  bpf_fd?: number;
  file_flags?: number;
  path_fd?: number;
}

/** @see union bpf_attr, BPF_BTF_LOAD */
export interface BtfLoadAttr {
  btf: Uint8Array;
  btf_size: number;
  btf_log_level?: number;
  btf_log_size?: number;
  btf_log_buf?: Uint8Array;
  btf_log_true_size?: number;
  btf_flags?: number;
  btf_token_fd?: number;
}

/** @see union bpf_attr, BPF_LINK_CREATE */
export interface LinkCreateAttr {
  prog_fd: number;
  target_fd?: number;
  attach_type: number;
  flags?: number;
  /** `union bpf_iter_link_info` bytes (see encodeIterLinkInfo). */
  iter_info?: Uint8Array;
  iter_info_len?: number;
}

/** @see union bpf_attr, BPF_LINK_UPDATE */
export interface LinkUpdateAttr {
  link_fd: number;
  new_prog_fd: number;
  flags?: number;
  old_prog_fd?: number;
}

/** @see union bpf_attr, BPF_LINK_DETACH */
export interface LinkDetachAttr {
  link_fd: number;
}

/** @see union bpf_attr, BPF_ITER_CREATE */
export interface IterCreateAttr {
  link_fd: number;
  flags?: number;
}

/** @see union bpf_attr, BPF_OBJ_GET_INFO_BY_FD */
export interface InfoByFdAttr {
  bpf_fd: number;
  info_len: number;
  /** Out: `struct bpf_{prog,map,link,btf}_info` bytes. */
  info: Uint8Array;
  /**
   * User memory that pointer fields inside `info` refer to (xlated_prog_insns,
   * map_ids, iter.target_name, ...), keyed by the address written in the field.
   * The kernel copies into those buffers; without an entry the field is skipped.
   */
  ubufs?: ReadonlyMap<bigint, Uint8Array>;
}

/** @see union bpf_attr, BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID */
export interface GetIdAttr {
  start_id?: number;
  prog_id?: number;
  map_id?: number;
  btf_id?: number;
  link_id?: number;
  /** Out for GET_NEXT_ID. */
  next_id?: number;
  open_flags?: number;
}

/** @see union bpf_attr, BPF_PROG_TEST_RUN */
export interface ProgTestRunAttr {
  prog_fd: number;
  retval?: number;
  data_in?: Uint8Array;
  data_out?: Uint8Array;
  data_size_out?: number;
  ctx_in?: Uint8Array;
  ctx_out?: Uint8Array;
  repeat?: number;
  duration?: number;
  flags?: number;
}

/** Attr shape by command name. */
export interface BpfAttrMap {
  BPF_MAP_CREATE: MapCreateAttr;
  BPF_MAP_LOOKUP_ELEM: MapElemAttr;
  BPF_MAP_UPDATE_ELEM: MapElemAttr;
  BPF_MAP_DELETE_ELEM: MapElemAttr;
  BPF_MAP_GET_NEXT_KEY: MapElemAttr;
  BPF_MAP_FREEZE: MapFreezeAttr;
  BPF_PROG_LOAD: ProgLoadAttr;
  BPF_OBJ_PIN: ObjAttr;
  BPF_OBJ_GET: ObjAttr;
  BPF_BTF_LOAD: BtfLoadAttr;
  BPF_LINK_CREATE: LinkCreateAttr;
  BPF_LINK_UPDATE: LinkUpdateAttr;
  BPF_LINK_DETACH: LinkDetachAttr;
  BPF_ITER_CREATE: IterCreateAttr;
  BPF_OBJ_GET_INFO_BY_FD: InfoByFdAttr;
  BPF_PROG_GET_NEXT_ID: GetIdAttr;
  BPF_MAP_GET_NEXT_ID: GetIdAttr;
  BPF_LINK_GET_NEXT_ID: GetIdAttr;
  BPF_BTF_GET_NEXT_ID: GetIdAttr;
  BPF_PROG_GET_FD_BY_ID: GetIdAttr;
  BPF_MAP_GET_FD_BY_ID: GetIdAttr;
  BPF_LINK_GET_FD_BY_ID: GetIdAttr;
  BPF_BTF_GET_FD_BY_ID: GetIdAttr;
  BPF_PROG_TEST_RUN: ProgTestRunAttr;
}

export type BpfCmdName = keyof BpfAttrMap;

/**
 * The bpf(2) system call: returns a new fd or 0, or throws a BpfError
 * carrying the errno. This is the one door between user space (libbpf-ts,
 * bpftool-ts) and the kernel (kernel-sim, or a real kernel).
 */
export type BpfSyscall = <C extends BpfCmdName>(cmd: C, attr: BpfAttrMap[C]) => number;

/** open(2) flags used across the boundary. */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_CLOEXEC = 0o2000000;

/**
 * The system calls a user-space library may make: `bpf()` plus the file
 * calls libbpf uses to read `/sys/kernel/btf/vmlinux` and pins. Each throws
 * a BpfError with the errno on failure.
 */
export interface Syscalls {
  bpf: BpfSyscall;
  open(path: string, flags?: number): number;
  /** Reads up to `buf.length` bytes; returns the count, 0 at end of file. */
  read(fd: number, buf: Uint8Array): number;
  close(fd: number): void;
  unlink(path: string): void;
}

/** `union bpf_iter_link_info` (16 bytes) fields. */
export interface IterLinkInfo {
  map?: { map_fd: number };
  task?: { tid?: number; pid?: number; pid_fd?: number };
  cgroup?: { order: number; cgroup_fd?: number; cgroup_id?: bigint };
}

/** Size of `union bpf_iter_link_info`. */
export const BPF_ITER_LINK_INFO_SIZE = 16;

/** Encodes `union bpf_iter_link_info` as the kernel reads it from user memory. */
export function encodeIterLinkInfo(info: IterLinkInfo): Uint8Array {
  const buf = new Uint8Array(BPF_ITER_LINK_INFO_SIZE);
  const dv = new DataView(buf.buffer);
  if (info.map) dv.setUint32(0, info.map.map_fd, true);
  if (info.task) {
    dv.setUint32(0, info.task.tid ?? 0, true);
    dv.setUint32(4, info.task.pid ?? 0, true);
    dv.setUint32(8, info.task.pid_fd ?? 0, true);
  }
  if (info.cgroup) {
    dv.setUint32(0, info.cgroup.order, true);
    dv.setUint32(4, info.cgroup.cgroup_fd ?? 0, true);
    dv.setBigUint64(8, info.cgroup.cgroup_id ?? 0n, true);
  }
  return buf;
}
