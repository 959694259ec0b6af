#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef unsigned char __u8;

typedef signed char __s8;

typedef short unsigned int __u16;

typedef short __s16;

typedef unsigned int __u32;

typedef int __s32;

typedef long long unsigned int __u64;

typedef long long int __s64;

typedef __u8 u8;

typedef __s8 s8;

typedef __u16 u16;

typedef __s16 s16;

typedef __u32 u32;

typedef __s32 s32;

typedef __u64 u64;

typedef __s64 s64;

typedef __u16 __be16;

typedef __u32 __be32;

typedef __u32 __wsum;

typedef int __kernel_pid_t;

typedef __kernel_pid_t pid_t;

typedef long int __kernel_long_t;

typedef long unsigned int __kernel_ulong_t;

typedef __kernel_ulong_t __kernel_size_t;

typedef __kernel_size_t size_t;

typedef __kernel_long_t __kernel_ssize_t;

typedef __kernel_ssize_t ssize_t;

typedef long long int __kernel_loff_t;

typedef __kernel_loff_t loff_t;

typedef short unsigned int umode_t;

typedef unsigned int fmode_t;

typedef unsigned int __kernel_uid32_t;

typedef unsigned int __kernel_gid32_t;

typedef __kernel_uid32_t uid_t;

typedef __kernel_gid32_t gid_t;

typedef _Bool bool;

typedef u32 __kernel_dev_t;

typedef __kernel_dev_t dev_t;

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

typedef struct {
	uid_t val;
} kuid_t;

typedef struct {
	gid_t val;
} kgid_t;

typedef atomic64_t atomic_long_t;

struct refcount_struct {
	atomic_t refs;
};

typedef struct refcount_struct refcount_t;

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct cred {
	atomic_long_t usage;
	kuid_t uid;
	kgid_t gid;
	kuid_t suid;
	kgid_t sgid;
	kuid_t euid;
	kgid_t egid;
};

struct mm_struct;

struct fs_struct;

struct nsproxy;

struct files_struct;

struct task_struct {
	unsigned int __state;
	void *stack;
	refcount_t usage;
	unsigned int flags;
	int prio;
	int static_prio;
	int normal_prio;
	struct mm_struct *mm;
	struct mm_struct *active_mm;
	int exit_state;
	int exit_code;
	int exit_signal;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	struct task_struct *parent;
	struct list_head children;
	struct list_head sibling;
	struct task_struct *group_leader;
	struct list_head thread_node;
	u64 start_time;
	u64 start_boottime;
	const struct cred *real_cred;
	const struct cred *cred;
	char comm[16];
	struct fs_struct *fs;
	struct files_struct *files;
	struct nsproxy *nsproxy;
};

struct file;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
	long unsigned int *close_on_exec;
	long unsigned int *open_fds;
	long unsigned int *full_fds_bits;
};

struct files_struct {
	atomic_t count;
	bool resize_in_progress;
	struct fdtable *fdt;
	struct fdtable fdtab;
	unsigned int next_fd;
	long unsigned int close_on_exec_init[1];
	long unsigned int open_fds_init[1];
	long unsigned int full_fds_bits_init[1];
	struct file *fd_array[64];
};

struct vfsmount;

struct dentry;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file_operations;

struct inode;

struct file {
	fmode_t f_mode;
	atomic_long_t f_count;
	loff_t f_pos;
	unsigned int f_flags;
	const struct cred *f_cred;
	struct path f_path;
	struct inode *f_inode;
	const struct file_operations *f_op;
	void *private_data;
};

struct super_block {
	dev_t s_dev;
	long unsigned int s_blocksize;
	long unsigned int s_magic;
	struct dentry *s_root;
	char s_id[32];
};

struct qstr {
	union {
		struct {
			u32 hash;
			u32 len;
		};
		u64 hash_len;
	};
	const unsigned char *name;
};

struct dentry {
	unsigned int d_flags;
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
	unsigned char d_iname[32];
	struct super_block *d_sb;
	void *d_fsdata;
};

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
	int mnt_flags;
};

struct inode {
	umode_t i_mode;
	short unsigned int i_opflags;
	kuid_t i_uid;
	kgid_t i_gid;
	unsigned int i_flags;
	struct super_block *i_sb;
	long unsigned int i_ino;
	union {
		const unsigned int i_nlink;
		unsigned int __i_nlink;
	};
	dev_t i_rdev;
	loff_t i_size;
	void *i_private;
};

struct seq_operations;

struct seq_file {
	char *buf;
	size_t size;
	size_t from;
	size_t count;
	size_t pad_until;
	loff_t index;
	loff_t read_pos;
	const struct seq_operations *op;
	int poll_event;
	const struct file *file;
	void *private;
};

struct bpf_map_ops;

struct btf;

struct bpf_map {
	const struct bpf_map_ops *ops;
	struct bpf_map *inner_map_meta;
	u32 map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	u64 map_extra;
	u32 map_flags;
	u32 id;
	struct btf *btf;
	char name[16];
	atomic64_t refcnt;
	atomic64_t usercnt;
	bool frozen;
};

struct bpf_prog;

struct bpf_prog_aux {
	atomic64_t refcnt;
	u32 used_map_cnt;
	u32 id;
	u32 attach_btf_id;
	bool sleepable;
	char name[16];
	struct bpf_prog *prog;
};

struct bpf_prog {
	u16 pages;
	u32 type;
	u32 expected_attach_type;
	u32 len;
	u32 jited_len;
	u8 tag[8];
	struct bpf_prog_aux *aux;
};

struct bpf_link_ops;

struct bpf_link {
	atomic64_t refcnt;
	u32 id;
	u32 type;
	const struct bpf_link_ops *ops;
	struct bpf_prog *prog;
};

struct bpf_iter_meta {
	union {
		struct seq_file *seq;
	};
	u64 session_id;
	u64 seq_num;
};

struct bpf_iter__task {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct task_struct *task;
	};
};

struct bpf_iter__task_file {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct task_struct *task;
	};
	u32 fd;
	union {
		struct file *file;
	};
};

struct bpf_iter__bpf_map {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct bpf_map *map;
	};
};

struct bpf_iter__bpf_map_elem {
	union {
		struct bpf_iter_meta *meta;
	};
	union {
		struct bpf_map *map;
	};
	union {
		void *key;
	};
	union {
		void *value;
	};
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
