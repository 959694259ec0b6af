/**
 * The kernel's struct declarations: the single source of truth for the
 * vmlinux BTF and for the layout of every object in kernel memory. Names and
 * types follow Linux (include/linux/sched.h, fdtable.h, fs.h, dcache.h,
 * path.h, mount.h, seq_file.h, bpf.h, kernel/bpf/task_iter.c); fields we do
 * not model are left out, so offsets are ours and CO-RE relocates onto them.
 */
import { anonStruct, anonUnion, type FieldType, type FuncDecl, type StructDecl, struct } from './decl.js';

/** `__bpf_md_ptr(type, name)`: a pointer in an 8-byte anonymous union slot. */
const mdPtr = (name: string, type: string) => ['', anonUnion([[name, type]])] as const;

/** NR_OPEN_DEFAULT (BITS_PER_LONG). */
export const NR_OPEN_DEFAULT = 64;
/** DNAME_INLINE_LEN on 64-bit (until 6.13). */
export const DNAME_INLINE_LEN = 32;
/** TASK_COMM_LEN */
export const TASK_COMM_LEN = 16;
export const BPF_OBJ_NAME_LEN = 16;

export const STRUCT_TYPEDEFS: readonly (readonly [string, FieldType])[] = [
  ['atomic_t', anonStruct([['counter', 'int']])],
  ['atomic64_t', anonStruct([['counter', 's64']])],
  ['kuid_t', anonStruct([['val', 'uid_t']])],
  ['kgid_t', anonStruct([['val', 'gid_t']])],
  ['atomic_long_t', 'atomic64_t'],
  ['refcount_t', 'struct refcount_struct'],
];

export const STRUCTS: readonly StructDecl[] = [
  struct('list_head', [
    ['next', 'struct list_head *'],
    ['prev', 'struct list_head *'],
  ]),
  struct('refcount_struct', [['refs', 'atomic_t']]),
  struct('cred', [
    ['usage', 'atomic_long_t'],
    ['uid', 'kuid_t'],
    ['gid', 'kgid_t'],
    ['suid', 'kuid_t'],
    ['sgid', 'kgid_t'],
    ['euid', 'kuid_t'],
    ['egid', 'kgid_t'],
  ]),
  struct('task_struct', [
    ['__state', 'unsigned int'],
    ['stack', 'void *'],
    ['usage', 'refcount_t'],
    ['flags', 'unsigned int'],
    ['prio', 'int'],
    ['static_prio', 'int'],
    ['normal_prio', 'int'],
    ['mm', 'struct mm_struct *'],
    ['active_mm', 'struct mm_struct *'],
    ['exit_state', 'int'],
    ['exit_code', 'int'],
    ['exit_signal', 'int'],
    ['pid', 'pid_t'],
    ['tgid', 'pid_t'],
    ['real_parent', 'struct task_struct *'],
    ['parent', 'struct task_struct *'],
    ['children', 'struct list_head'],
    ['sibling', 'struct list_head'],
    ['group_leader', 'struct task_struct *'],
    ['thread_node', 'struct list_head'],
    ['start_time', 'u64'],
    ['start_boottime', 'u64'],
    ['real_cred', 'const struct cred *'],
    ['cred', 'const struct cred *'],
    ['comm', 'char[16]'],
    ['fs', 'struct fs_struct *'],
    ['files', 'struct files_struct *'],
    ['nsproxy', 'struct nsproxy *'],
  ]),
  struct('fdtable', [
    ['max_fds', 'unsigned int'],
    ['fd', 'struct file **'],
    ['close_on_exec', 'unsigned long *'],
    ['open_fds', 'unsigned long *'],
    ['full_fds_bits', 'unsigned long *'],
  ]),
  struct('files_struct', [
    ['count', 'atomic_t'],
    ['resize_in_progress', 'bool'],
    ['fdt', 'struct fdtable *'],
    ['fdtab', 'struct fdtable'],
    ['next_fd', 'unsigned int'],
    ['close_on_exec_init', 'unsigned long[1]'],
    ['open_fds_init', 'unsigned long[1]'],
    ['full_fds_bits_init', 'unsigned long[1]'],
    ['fd_array', `struct file *[${NR_OPEN_DEFAULT}]`],
  ]),
  struct('super_block', [
    ['s_dev', 'dev_t'],
    ['s_blocksize', 'unsigned long'],
    ['s_magic', 'unsigned long'],
    ['s_root', 'struct dentry *'],
    ['s_id', 'char[32]'],
  ]),
  struct('vfsmount', [
    ['mnt_root', 'struct dentry *'],
    ['mnt_sb', 'struct super_block *'],
    ['mnt_flags', 'int'],
  ]),
  struct('path', [
    ['mnt', 'struct vfsmount *'],
    ['dentry', 'struct dentry *'],
  ]),
  struct('qstr', [
    [
      '',
      anonUnion([
        [
          '',
          anonStruct([
            ['hash', 'u32'],
            ['len', 'u32'],
          ]),
        ],
        ['hash_len', 'u64'],
      ]),
    ],
    ['name', 'const unsigned char *'],
  ]),
  struct('inode', [
    ['i_mode', 'umode_t'],
    ['i_opflags', 'unsigned short'],
    ['i_uid', 'kuid_t'],
    ['i_gid', 'kgid_t'],
    ['i_flags', 'unsigned int'],
    ['i_sb', 'struct super_block *'],
    ['i_ino', 'unsigned long'],
    [
      '',
      anonUnion([
        ['i_nlink', 'const unsigned int'],
        ['__i_nlink', 'unsigned int'],
      ]),
    ],
    ['i_rdev', 'dev_t'],
    ['i_size', 'loff_t'],
    ['i_private', 'void *'],
  ]),
  struct('dentry', [
    ['d_flags', 'unsigned int'],
    ['d_parent', 'struct dentry *'],
    ['d_name', 'struct qstr'],
    ['d_inode', 'struct inode *'],
    ['d_iname', `unsigned char[${DNAME_INLINE_LEN}]`],
    ['d_sb', 'struct super_block *'],
    ['d_fsdata', 'void *'],
  ]),
  struct('file', [
    ['f_mode', 'fmode_t'],
    ['f_count', 'atomic_long_t'],
    ['f_pos', 'loff_t'],
    ['f_flags', 'unsigned int'],
    ['f_cred', 'const struct cred *'],
    ['f_path', 'struct path'],
    ['f_inode', 'struct inode *'],
    ['f_op', 'const struct file_operations *'],
    ['private_data', 'void *'],
  ]),
  struct('seq_file', [
    ['buf', 'char *'],
    ['size', 'size_t'],
    ['from', 'size_t'],
    ['count', 'size_t'],
    ['pad_until', 'size_t'],
    ['index', 'loff_t'],
    ['read_pos', 'loff_t'],
    ['op', 'const struct seq_operations *'],
    ['poll_event', 'int'],
    ['file', 'const struct file *'],
    ['private', 'void *'],
  ]),
  struct('bpf_map', [
    ['ops', 'const struct bpf_map_ops *'],
    ['inner_map_meta', 'struct bpf_map *'],
    ['map_type', 'u32'],
    ['key_size', 'u32'],
    ['value_size', 'u32'],
    ['max_entries', 'u32'],
    ['map_extra', 'u64'],
    ['map_flags', 'u32'],
    ['id', 'u32'],
    ['btf', 'struct btf *'],
    ['name', `char[${BPF_OBJ_NAME_LEN}]`],
    ['refcnt', 'atomic64_t'],
    ['usercnt', 'atomic64_t'],
    ['frozen', 'bool'],
  ]),
  struct('bpf_prog_aux', [
    ['refcnt', 'atomic64_t'],
    ['used_map_cnt', 'u32'],
    ['id', 'u32'],
    ['attach_btf_id', 'u32'],
    ['sleepable', 'bool'],
    ['name', `char[${BPF_OBJ_NAME_LEN}]`],
    ['prog', 'struct bpf_prog *'],
  ]),
  struct('bpf_prog', [
    ['pages', 'u16'],
    ['type', 'u32'],
    ['expected_attach_type', 'u32'],
    ['len', 'u32'],
    ['jited_len', 'u32'],
    ['tag', 'u8[8]'],
    ['aux', 'struct bpf_prog_aux *'],
  ]),
  struct('bpf_link', [
    ['refcnt', 'atomic64_t'],
    ['id', 'u32'],
    ['type', 'u32'],
    ['ops', 'const struct bpf_link_ops *'],
    ['prog', 'struct bpf_prog *'],
  ]),
  struct('bpf_iter_meta', [mdPtr('seq', 'struct seq_file *'), ['session_id', 'u64'], ['seq_num', 'u64']]),
  struct('bpf_iter__task', [mdPtr('meta', 'struct bpf_iter_meta *'), mdPtr('task', 'struct task_struct *')]),
  struct('bpf_iter__task_file', [
    mdPtr('meta', 'struct bpf_iter_meta *'),
    mdPtr('task', 'struct task_struct *'),
    ['fd', 'u32'],
    mdPtr('file', 'struct file *'),
  ]),
  struct('bpf_iter__bpf_map', [mdPtr('meta', 'struct bpf_iter_meta *'), mdPtr('map', 'struct bpf_map *')]),
  struct('bpf_iter__bpf_map_elem', [
    mdPtr('meta', 'struct bpf_iter_meta *'),
    mdPtr('map', 'struct bpf_map *'),
    mdPtr('key', 'void *'),
    mdPtr('value', 'void *'),
  ]),
];

/** BTF FUNCs iterator programs attach to (DEFINE_BPF_ITER_FUNC). */
export const FUNCS: readonly FuncDecl[] = [
  {
    name: 'bpf_iter_task',
    ret: 'int',
    params: [
      ['meta', 'struct bpf_iter_meta *'],
      ['task', 'struct task_struct *'],
    ],
  },
  {
    name: 'bpf_iter_task_file',
    ret: 'int',
    params: [
      ['meta', 'struct bpf_iter_meta *'],
      ['task', 'struct task_struct *'],
      ['fd', 'u32'],
      ['file', 'struct file *'],
    ],
  },
  {
    name: 'bpf_iter_bpf_map',
    ret: 'int',
    params: [
      ['meta', 'struct bpf_iter_meta *'],
      ['map', 'struct bpf_map *'],
    ],
  },
  {
    name: 'bpf_iter_bpf_map_elem',
    ret: 'int',
    params: [
      ['meta', 'struct bpf_iter_meta *'],
      ['map', 'struct bpf_map *'],
      ['key', 'void *'],
      ['value', 'void *'],
    ],
  },
];
