/** Test helper: one in-process bpftool-ts invocation over a temporary state directory. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli.js';
import { createBufferIo } from '../io.js';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'bpftool-ts-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function runIn(stateDir: string, ...argv: string[]): Promise<RunResult> {
  const buf = createBufferIo({ TSBPF_STATE_DIR: stateDir, HOME: os.tmpdir() });
  const status = await runCli(argv, buf.io);
  return { status, stdout: buf.stdoutText(), stderr: buf.stderrText() };
}

/** A run over a fresh machine. */
export function run(...argv: string[]): Promise<RunResult> {
  return runIn(tempDir(), ...argv);
}
