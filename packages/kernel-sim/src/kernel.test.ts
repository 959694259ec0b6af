import { describe, expect, it } from 'vitest';
import { Kernel } from './kernel.js';

const dec = new TextDecoder();

describe('default machine in kernel memory', () => {
  it('walks tasks and reads pid/comm through task_struct bytes', () => {
    const k = Kernel.boot();
    const ts = k.layout('task_struct');
    const rows: string[] = [];
    for (const t of k.tasks()) {
      // Only the address comes from the TS side; the rest is loads through BTF offsets.
      const pid = Number(BigInt.asIntN(32, k.mem.load(t.addr + BigInt(ts.offsetOf('pid')), 4)));
      const tgid = Number(k.mem.load(t.addr + BigInt(ts.offsetOf('tgid')), 4));
      const comm = dec.decode(k.mem.readCString(t.addr + BigInt(ts.offsetOf('comm')), 16)!);
      const parent = k.mem.load(t.addr + BigInt(ts.offsetOf('real_parent')), 8);
      const ppid = parent === 0n ? 0 : Number(k.mem.load(parent + BigInt(ts.offsetOf('tgid')), 4));
      rows.push(`${pid} ${tgid} ${ppid} ${comm}`);
    }
    expect(rows).toEqual([
      '1 1 0 systemd',
      '2 2 0 kthreadd',
      '3 3 2 pool_workqueue_',
      '4 4 2 kworker/R-rcu_g',
      '6 6 2 kworker/0:0H',
      '13 13 2 ksoftirqd/0',
      '14 14 2 rcu_preempt',
      '15 15 2 migration/0',
      '210 210 1 systemd-journal',
      '300 300 1 sshd',
      '350 350 1 rsyslogd',
      '351 350 1 in:imuxsock',
      '352 350 1 rs:main Q:Reg',
      '400 400 1 agetty',
      '420 420 300 sshd',
      '421 421 420 bash',
      '500 500 421 cat',
      '501 501 421 grep',
    ]);
  });

  it('reads a process fd table and file names through files_struct/fdtable/file/dentry bytes', () => {
    const k = Kernel.boot();
    const L = (n: string, f: string) => BigInt(k.layout(n).offsetOf(f));
    const ld = (a: bigint) => k.mem.load(a, 8);
    const task = k.task(501)!.addr;
    const files = ld(task + L('task_struct', 'files'));
    const fdt = ld(files + L('files_struct', 'fdt'));
    const max = Number(k.mem.load(fdt + L('fdtable', 'max_fds'), 4));
    const arr = ld(fdt + L('fdtable', 'fd'));
    const names: string[] = [];
    for (let fd = 0; fd < max; fd++) {
      const file = ld(arr + BigInt(fd * 8));
      if (file === 0n) continue;
      const dentry = ld(file + L('file', 'f_path') + L('path', 'dentry'));
      const nameAddr = ld(dentry + L('dentry', 'd_name') + L('qstr', 'name'));
      const len = Number(k.mem.load(dentry + L('dentry', 'd_name') + L('qstr', 'len'), 4));
      const inode = ld(file + L('file', 'f_inode'));
      const ino = ld(inode + L('inode', 'i_ino'));
      names.push(`${fd} ${dec.decode(k.mem.readBytes(nameAddr, len))} ${ino}`);
    }
    const pipeIno = k.task(500)!.files!.files.get(1)!.dentry.inode!.ino;
    const pts = k.task(501)!.files!.files.get(1)!.dentry.inode!.ino;
    // A pipe's dentry has an empty name in Linux; "pipe:[ino]" is only what d_path shows.
    expect(names).toEqual([`0  ${pipeIno}`, `1 0 ${pts}`, `2 0 ${pts}`]);
  });

  it('threads share the leader files_struct; kernel threads have none', () => {
    const k = Kernel.boot();
    const off = BigInt(k.layout('task_struct').offsetOf('files'));
    expect(k.mem.load(k.task(351)!.addr + off, 8)).toBe(k.mem.load(k.task(350)!.addr + off, 8));
    expect(k.mem.load(k.task(2)!.addr + off, 8)).toBe(0n);
    expect(k.task(13)!.isKthread).toBe(true);
  });

  it('children/sibling lists link a parent to its children in kernel memory', () => {
    const k = Kernel.boot();
    const off = (f: string) => BigInt(k.layout('task_struct').offsetOf(f));
    const childrenOf = (pid: number) => {
      const head = k.task(pid)!.addr + off('children');
      const out: number[] = [];
      for (let n = k.mem.load(head, 8); n !== head; n = k.mem.load(n, 8)) {
        out.push(Number(k.mem.load(n - off('sibling') + off('pid'), 4)));
      }
      return out;
    };
    expect(childrenOf(1)).toEqual([210, 300, 350, 400]);
    expect(childrenOf(2)).toEqual([3, 4, 6, 13, 14, 15]);
    expect(childrenOf(421)).toEqual([500, 501]);
    k.process(500).exit();
    expect(childrenOf(421)).toEqual([501]);
  });

  it('hands out the same pid-ordered task list until a task comes or goes', () => {
    const k = Kernel.boot();
    const before = k.tasks();
    expect(k.tasks()).toBe(before);
    const child = k.process(1).fork('sh');
    const during = k.tasks();
    expect(during).not.toBe(before);
    expect(during.map((t) => t.pid)).toEqual([...before.map((t) => t.pid), child.pid]);
    child.exit();
    expect(k.tasks().map((t) => t.pid)).toEqual(before.map((t) => t.pid));
  });
});
