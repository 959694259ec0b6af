/**
 * What this machine offers for differential tests against Linux: tools in
 * PATH, root, a bpf() that works and bpffs. Each check says why it fails, so
 * a skipped test names its reason.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The first executable named `name` in PATH. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs a host command (no shell); output as text. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** Why the given host tools are unusable, or undefined when all are there. */
export function missingTools(...names: string[]): string | undefined {
  const missing = names.filter((n) => !which(n));
  return missing.length ? `not in PATH: ${missing.join(', ')}` : undefined;
}

/**
 * Why bpf() cannot be used as root here (or undefined): needs euid 0, bpffs
 * at /sys/fs/bpf, kernel BTF, and a working `bpftool prog show`.
 */
export function bpfUnavailable(): string | undefined {
  if (process.env.TSBPF_NO_HOST_BPF) return 'TSBPF_NO_HOST_BPF is set';
  if (typeof process.geteuid !== 'function' || process.geteuid() !== 0) return 'not root';
  const tools = missingTools('bpftool');
  if (tools) return tools;
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'no /sys/kernel/btf/vmlinux';
  const r = run('bpftool', ['prog', 'show']);
  if (r.status !== 0) return `bpftool prog show failed: ${r.stderr.trim() || r.error?.message}`;
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8');
  if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) return 'bpffs is not mounted at /sys/fs/bpf';
  return undefined;
}
