import { BpfError, O_CLOEXEC, O_CREAT, O_RDWR } from '@tsbpf/uapi';
import { describe, expect, it } from 'vitest';
import { Kernel } from './kernel.js';

const errnoOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof BpfError) return e.errno;
    throw e;
  }
  return 'OK';
};
const txt = (b: Uint8Array) => new TextDecoder().decode(b);

describe('processes make system calls', () => {
  it('procfs: comm, fd links, fdinfo', () => {
    const k = Kernel.boot();
    const sh = k.process(421);
    expect(txt(sh.readFile('/proc/350/comm'))).toBe('rsyslogd\n');
    expect(sh.readlink('/proc/421/fd/255')).toBe('/dev/pts/0');
    expect(sh.readlink('/proc/1/fd/0')).toBe('/dev/null');
    expect(sh.readlink('/proc/1/fd/3')).toBe('anon_inode:[eventfd]');
    expect(sh.readlink('/proc/350/fd/4')).toBe('/var/log/syslog');
    expect(txt(sh.readFile('/proc/1/fdinfo/3'))).toMatch(
      /^pos:\t0\nflags:\t02\nmnt_id:\t\d+\nino:\t\d+\neventfd-count: 0{16}\n$/,
    );
    expect(errnoOf(() => sh.readlink('/proc/1/fd/99'))).toBe('ENOENT');
    expect(sh.readdir('/proc/421/fd')).toEqual(['0', '1', '2', '255']);
    expect(sh.readdir('/proc').slice(0, 4)).toEqual(['1', '2', '3', '4']);
    expect(sh.readdir('/proc')).not.toContain('351');
    expect(sh.readdir('/sys/fs/bpf')).toEqual([]);
    expect(errnoOf(() => sh.readFile('/proc/9999/comm'))).toBe('ENOENT');
  });

  it('fork copies the fd table, exit closes files, threads share it', () => {
    const k = Kernel.boot();
    const sh = k.process(421);
    const child = sh.fork('vim');
    expect(child.task.parent).toBe(sh.task);
    expect(child.task.fdTable().map(([fd]) => fd)).toEqual([0, 1, 2, 255]);
    const fd = child.open('/tmp/x.txt', O_CREAT | O_RDWR | O_CLOEXEC, 0o666);
    expect(child.write(fd, new TextEncoder().encode('hello'))).toBe(5);
    expect(txt(sh.readFile('/tmp/x.txt'))).toBe('hello');
    expect(sh.stat('/tmp/x.txt').st_mode).toBe(0o100644);
    expect(txt(sh.readFile(`/proc/${child.pid}/fdinfo/${fd}`))).toContain('flags:\t02100002\n');
    const th = child.cloneThread('vim-worker');
    expect(th.task.tgid).toBe(child.pid);
    expect(th.readlink(`/proc/${child.pid}/fd/${fd}`)).toBe('/tmp/x.txt');
    const before = k.vfs.openFiles;
    child.exit();
    expect(k.task(child.pid)).toBeUndefined();
    expect(k.task(th.task.pid)).toBeUndefined();
    expect(k.vfs.openFiles).toBe(before - 1); // the forked copies of 0,1,2,255 were extra refs only
    expect(errnoOf(() => k.process(2))).toBe('EPERM');
    expect(errnoOf(() => k.process(12345))).toBe('ESRCH');
  });

  it('close_range closes every open fd in the range', () => {
    const k = Kernel.boot();
    const p = k.process(421).fork('sh');
    p.eventfd();
    p.closeRange(3);
    expect(p.task.fdTable().map(([fd]) => fd)).toEqual([0, 1, 2]);
    p.closeRange(1, 1);
    expect(p.task.fdTable().map(([fd]) => fd)).toEqual([0, 2]);
    expect(errnoOf(() => p.closeRange(5, 4))).toBe('EINVAL');
  });

  it('closing every fd gives all kernel memory back (files, pseudo dentries, bpf objects)', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const base = k.heap.liveCount;
    const fds = [...p.pipe(), p.socket(), p.eventfd(), p.pidfdOpen(1), p.open('/dev/null')];
    const m = p.bpf('BPF_MAP_CREATE', { map_type: 1, key_size: 4, value_size: 4, max_entries: 4 });
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: m, key: new Uint8Array(4), value: new Uint8Array(4) });
    const a = p.bpf('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 4 });
    const insns = new Uint8Array(32);
    const dv = new DataView(insns.buffer);
    insns.set([0x18, 0x11], 0); // r1 = map (BPF_PSEUDO_MAP_FD)
    dv.setInt32(4, a, true);
    insns.set([0xb7, 0x00], 16); // r0 = 0
    insns.set([0x95], 24); // exit
    const prog = p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns, insn_cnt: 4, license: 'GPL' });
    expect(k.heap.liveCount).toBeGreaterThan(base);
    for (const fd of [...fds, m, a]) p.close(fd);
    expect(k.bpfIds.maps.get(2)).toBeDefined(); // the program holds map a
    p.close(prog);
    expect(k.heap.liveCount).toBe(base);
  });

  it('pidfd_open and pidfdToTgid', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const fd = p.pidfdOpen(350);
    expect(p.readlink(`/proc/self/fd/${fd}`)).toBe('anon_inode:[pidfd]');
    expect(k.pidfdToTgid(p, fd)).toBe(350);
    expect(k.pidfdToTgid(p, 0)).toBe(-22);
    expect(k.pidfdToTgid(p, 99)).toBe(-9);
    expect(errnoOf(() => p.pidfdOpen(351))).toBe('EINVAL');
    expect(errnoOf(() => p.pidfdOpen(9999))).toBe('ESRCH');
    k.process(350).exit();
    expect(k.pidfdToTgid(p, fd)).toBe(-3);
  });

  it('fd table grows beyond NR_OPEN_DEFAULT in kernel memory (expand_fdtable)', () => {
    const k = Kernel.boot();
    const p = k.process(1);
    const fds: number[] = [];
    for (let i = 0; i < 70; i++) fds.push(p.open('/dev/null'));
    const files = k.obj('files_struct', k.task(1)!.obj.get('files'));
    const fdt = k.obj('fdtable', files.get('fdt'));
    expect(fdt.getNumber('max_fds')).toBe(128);
    expect(fdt.addr).not.toBe(files.addrOf('fdtab'));
    const last = fds[fds.length - 1]!;
    const fileAddr = k.mem.load(fdt.get('fd') + BigInt(last * 8), 8);
    expect(fileAddr).toBe(p.fdget(last).addr);
    p.close(last);
    expect(k.mem.load(fdt.get('fd') + BigInt(last * 8), 8)).toBe(0n);
  });

  it('dentry names longer than the inline buffer live in an external name', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    const long = `/tmp/${'n'.repeat(40)}`;
    const fd = p.open(long, O_CREAT | O_RDWR);
    const d = k.obj('dentry', p.fdget(fd).obj.get('f_path.dentry'));
    expect(d.get('d_name.name')).not.toBe(d.addrOf('d_iname'));
    expect(txt(k.mem.readCString(d.get('d_name.name'))!)).toBe('n'.repeat(40));
    expect(p.readlink(`/proc/self/fd/${fd}`)).toBe(long);
  });

  it('files: EISDIR, ENOTDIR, EEXIST, ENXIO-free devices, lseek', () => {
    const k = Kernel.boot();
    const p = k.process(421);
    expect(errnoOf(() => p.open('/etc', O_RDWR))).toBe('EISDIR');
    expect(errnoOf(() => p.open('/etc/hostname/x'))).toBe('ENOTDIR');
    expect(errnoOf(() => p.open('/etc/hostname', O_CREAT | 0o200))).toBe('EEXIST');
    const fd = p.open('/etc/hostname');
    expect(p.lseek(fd, 2, 0)).toBe(2);
    const b = new Uint8Array(10);
    expect(txt(b.subarray(0, p.read(fd, b)))).toBe('bpf\n');
    expect(errnoOf(() => p.write(fd, b))).toBe('EBADF');
    expect(p.stat('/sys/kernel/btf/vmlinux').st_mode).toBe(0o100444);
  });
});
