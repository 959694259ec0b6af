/** Flags and small enums of include/uapi/linux/bpf.h used across the stack. */

/** prog_flags for BPF_PROG_LOAD. */
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
export const BPF_F_ANY_ALIGNMENT = 1 << 1;
export const BPF_F_TEST_RND_HI32 = 1 << 2;
export const BPF_F_TEST_STATE_FREQ = 1 << 3;
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

/** map_flags for BPF_MAP_CREATE. */
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_MMAPABLE = 1 << 10;

/** flags for BPF_MAP_UPDATE_ELEM. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

/** flags for BPF_LINK_UPDATE. */
export const BPF_F_REPLACE = 1 << 2;

/** log_level bits for BPF_PROG_LOAD / BPF_BTF_LOAD. */
export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
export const BPF_LOG_FIXED = 8;

/** Kernel-side limits. */
export const BPF_OBJ_NAME_LEN = 16;
export const BPF_TAG_SIZE = 8;
/** Largest verifier log buffer the kernel accepts (UINT_MAX >> 2). */
export const BPF_LOG_MAX_SIZE = 0x3fffffff;
