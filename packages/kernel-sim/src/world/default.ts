/**
 * The embedded default machine: small, realistic, deterministic. systemd as
 * pid 1, kthreadd as 2 with a few kernel threads, journald, sshd with a login
 * session running bash, a multi-threaded rsyslogd, a pipe between two
 * processes of a shell pipeline.
 */
import type { World } from './schema.js';

export function defaultWorld(): World {
  const stdio = (path: string) =>
    [0, 1, 2].map((fd) => ({ fd, type: 'file' as const, path, flags: fd === 0 ? 0o100000 : 0o100001 }));
  return {
    version: 1,
    files: [
      { path: '/etc/hostname', content: 'tsbpf\n' },
      { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/bash\n' },
      { path: '/var/log/journal', dir: true },
      { path: '/var/log/journal/system.journal', content: '' },
      { path: '/var/log/syslog', content: '' },
      { path: '/run/sshd.pid', content: '300\n' },
    ],
    devices: [
      { path: '/dev/pts/0', major: 136, minor: 0 },
      { path: '/dev/tty1', major: 4, minor: 1 },
    ],
    processes: [
      {
        pid: 1,
        ppid: 0,
        comm: 'systemd',
        files: [
          ...stdio('/dev/null'),
          { fd: 3, type: 'eventfd' },
          { fd: 4, type: 'socket' },
          { fd: 5, type: 'socket' },
        ],
      },
      { pid: 2, ppid: 0, comm: 'kthreadd', kthread: true },
      { pid: 3, ppid: 2, comm: 'pool_workqueue_release', kthread: true },
      { pid: 4, ppid: 2, comm: 'kworker/R-rcu_g', kthread: true },
      { pid: 6, ppid: 2, comm: 'kworker/0:0H', kthread: true },
      { pid: 13, ppid: 2, comm: 'ksoftirqd/0', kthread: true },
      { pid: 14, ppid: 2, comm: 'rcu_preempt', kthread: true },
      { pid: 15, ppid: 2, comm: 'migration/0', kthread: true },
      {
        pid: 210,
        ppid: 1,
        comm: 'systemd-journal',
        files: [
          ...stdio('/dev/null'),
          { fd: 3, type: 'socket' },
          { fd: 4, type: 'eventfd' },
          { fd: 5, type: 'file', path: '/var/log/journal/system.journal', flags: 0o2 },
        ],
      },
      {
        pid: 300,
        ppid: 1,
        comm: 'sshd',
        files: [...stdio('/dev/null'), { fd: 3, type: 'socket' }, { fd: 4, type: 'socket' }],
      },
      {
        pid: 350,
        ppid: 1,
        comm: 'rsyslogd',
        threads: [
          { tid: 351, comm: 'in:imuxsock' },
          { tid: 352, comm: 'rs:main Q:Reg' },
        ],
        files: [
          ...stdio('/dev/null'),
          { fd: 3, type: 'socket' },
          { fd: 4, type: 'file', path: '/var/log/syslog', flags: 0o2001 },
        ],
      },
      { pid: 400, ppid: 1, comm: 'agetty', files: stdio('/dev/tty1') },
      {
        pid: 420,
        ppid: 300,
        comm: 'sshd',
        files: [
          ...stdio('/dev/null'),
          { fd: 3, type: 'socket' },
          { fd: 4, type: 'file', path: '/dev/pts/0', flags: 2 },
        ],
      },
      {
        pid: 421,
        ppid: 420,
        comm: 'bash',
        files: [...stdio('/dev/pts/0'), { fd: 255, type: 'file', path: '/dev/pts/0', flags: 2 }],
      },
      {
        pid: 500,
        ppid: 421,
        comm: 'cat',
        files: [
          { fd: 0, type: 'file', path: '/etc/passwd', flags: 0 },
          { fd: 1, type: 'pipe', pipe: 'p1', end: 'write' },
          { fd: 2, type: 'file', path: '/dev/pts/0', flags: 2 },
        ],
      },
      {
        pid: 501,
        ppid: 421,
        comm: 'grep',
        files: [
          { fd: 0, type: 'pipe', pipe: 'p1', end: 'read' },
          { fd: 1, type: 'file', path: '/dev/pts/0', flags: 2 },
          { fd: 2, type: 'file', path: '/dev/pts/0', flags: 2 },
        ],
      },
    ],
  };
}
