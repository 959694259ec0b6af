/**
 * Runs bpftool-ts in-process through its public entry point (runCli with a
 * buffer io), each call a separate invocation over the persistent machine of
 * one state directory, as separate `bpftool-ts` processes would be.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBufferIo, runCli } from '@tsbpf/bpftool-ts';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
}

/** A fresh, empty state directory (the machine boots the default world on first use). */
export function tempStateDir(prefix = 'tsbpf-selftests-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** One bpftool-ts invocation with `args` over the machine kept in `stateDir`. */
export async function bpftool(stateDir: string, ...args: string[]): Promise<CliResult> {
  const buf = createBufferIo({ TSBPF_STATE_DIR: stateDir, HOME: os.tmpdir() });
  const status = await runCli(args, buf.io);
  return { status, stdout: buf.stdoutText(), stderr: buf.stderrText(), stdoutBytes: buf.stdoutBytes() };
}
