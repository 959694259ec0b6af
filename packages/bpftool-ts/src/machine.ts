import fs from 'node:fs';
import { bpfIterInit } from '@tsbpf/bpf-iter';
import { Kernel, type Process, parseState } from '@tsbpf/kernel-sim';
import type { CliContext } from './cli.js';
import { readState, resolveStateDir, StateLock, writeState } from './state/stateDir.js';

export interface MachineOptions {
  stateDir: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

/** One invocation's view of the simulated machine: the bpftool-ts process in it. */
export interface MachineSession {
  kernel: Kernel;
  /** The process this invocation runs as (a child of pid 1, comm "bpftool", or "cat"/"rm" for those tools). */
  sys: Process;
}

/** Boots the machine from its state directory (or the embedded default machine). */
export function openMachine(options: MachineOptions): { kernel: Kernel; dir: string } {
  const dir = resolveStateDir(options.stateDir, options.env);
  const text = readState(dir);
  const kernel =
    text === undefined ? bootDefault() : Kernel.restore(parseState(text), { install: (k) => bpfIterInit(k) });
  return { kernel, dir };
}

function bootDefault(): Kernel {
  const k = Kernel.boot();
  bpfIterInit(k);
  return k;
}

/**
 * Runs `fn` as a fresh bpftool process of the persistent machine, under the
 * state directory's lock; saves the machine afterwards (objects the process
 * pinned survive, everything else dies with the process, as on Linux).
 */
export function withMachine<T>(ctx: CliContext, fn: (m: MachineSession) => T, comm = 'bpftool'): T {
  const dir = resolveStateDir(ctx.machine.stateDir, ctx.machine.env);
  const lock = StateLock.acquire(dir);
  try {
    const { kernel } = openMachine(ctx.machine);
    const sys = kernel.process(1).fork(comm);
    // A command started from a shell holds only stdin, stdout and stderr.
    sys.closeRange(3);
    let result: T;
    try {
      result = fn({ kernel, sys });
    } finally {
      sys.exit();
    }
    writeState(dir, JSON.stringify(kernel.snapshot()));
    return result;
  } finally {
    lock.release();
  }
}

/** Paths under /sys and /proc are the simulated machine's; anything else is the host's. */
export function readMachineOrHostFile(ctx: CliContext, path: string): Uint8Array {
  if (path.startsWith('/sys/') || path.startsWith('/proc/')) {
    return withMachine(ctx, (m) => m.sys.readFile(path));
  }
  return fs.readFileSync(path);
}
