import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why a state directory cannot be used. */
export class StateError extends Error {
  override name = 'StateError';
}

/** The state file inside a state directory. */
export const STATE_FILE = 'machine.json';
const LOCK_FILE = 'lock';

/**
 * Where the persistent machine lives: `--state-dir`, else $TSBPF_STATE_DIR,
 * else $XDG_STATE_HOME/tsbpf, else ~/.local/state/tsbpf.
 */
export function resolveStateDir(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (option) return path.resolve(option);
  if (env.TSBPF_STATE_DIR) return path.resolve(env.TSBPF_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'tsbpf');
}

/**
 * Holds the state directory's lock for one invocation, so that concurrent
 * invocations take turns. A lock left by a dead process is taken over.
 */
export class StateLock {
  private constructor(private readonly lockPath: string) {}

  static acquire(dir: string, timeoutMs = 10_000): StateLock {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lockPath = path.join(dir, LOCK_FILE);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        return new StateLock(lockPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(readOr(lockPath, ''), 10);
      if (!Number.isFinite(owner) || !processAlive(owner)) {
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StateError(`state directory ${dir} is locked by process ${owner}`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }

  release(): void {
    fs.rmSync(this.lockPath, { force: true });
  }
}

/** Reads the saved state, or undefined when there is none yet. */
export function readState(dir: string): string | undefined {
  const file = path.join(dir, STATE_FILE);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Replaces the saved state atomically (write a temporary file, fsync, rename). */
export function writeState(dir: string, text: string): void {
  const file = path.join(dir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
