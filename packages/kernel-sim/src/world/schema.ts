/**
 * The world file: processes with threads and open files, plus files on the
 * root filesystem. Validated with errors that name the offending field.
 */

/**
 * An open file of a process. Pipes and sockets may name their inode number
 * (`ino`, as /proc/<pid>/fd shows "pipe:[ino]"); a pipe's first end listed
 * decides it. A socket's `proto` is its protocol's name, which Linux gives the
 * socket's dentry ("UNIX-STREAM" by default, "UNIX", "TCP", "UDP", "TCPv6", ...).
 */
export type WorldFile =
  | { fd: number; type: 'file'; path: string; flags?: number }
  | { fd: number; type: 'pipe'; pipe: string; end: 'read' | 'write'; ino?: number }
  | { fd: number; type: 'socket'; proto?: string; ino?: number }
  | { fd: number; type: 'eventfd' };

export interface WorldThread {
  tid: number;
  comm: string;
  /** The thread's number in its process's pid namespace (when that is not the initial one). */
  nsTid?: number;
}

export interface WorldProcess {
  pid: number;
  /** Parent pid; 0 for the roots (init, kthreadd). */
  ppid: number;
  comm: string;
  kthread?: boolean;
  /**
   * The process is the init of a new pid namespace (a child of its parent's),
   * as after unshare(CLONE_NEWPID) + fork; its descendants live in it too.
   * Its number there is 1 unless `nsPid` says otherwise.
   */
  newPidNs?: boolean;
  /** The process's number in its own pid namespace (when that is not the initial one). */
  nsPid?: number;
  threads?: WorldThread[];
  files?: WorldFile[];
}

export interface World {
  version: 1;
  /** Regular files and directories to create on the root filesystem, optionally with their inode number. */
  files?: { path: string; content?: string; dir?: boolean; mode?: number; ino?: number }[];
  /** Character devices (ttys) to create: /dev/pts/N etc. */
  devices?: { path: string; major: number; minor: number; ino?: number }[];
  processes: WorldProcess[];
}

export class WorldError extends Error {
  override name = 'WorldError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`world: ${path}: ${message}`);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = 4194304): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function str(
  o: Record<string, unknown>,
  key: string,
  at: string,
  opts: { max?: number; optional?: boolean } = {},
): void {
  const v = o[key];
  if (v === undefined && opts.optional) return;
  if (typeof v !== 'string') throw new WorldError(`${at}.${key}`, 'expected a string');
  if (opts.max !== undefined && v.length > opts.max)
    throw new WorldError(`${at}.${key}`, `longer than ${opts.max}`);
}

function only(o: Record<string, unknown>, keys: string[], at: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new WorldError(`${at}.${k}`, 'unknown field');
}

function inoField(o: Record<string, unknown>, at: string): void {
  if (o.ino !== undefined && !isInt(o.ino, 1, 2 ** 32 - 1))
    throw new WorldError(`${at}.ino`, 'expected an inode number 1..4294967295');
}

/** Validates parsed JSON as a World; throws WorldError naming the first bad field. */
export function validateWorld(w: unknown): World {
  if (!isObj(w)) throw new WorldError('$', 'expected an object');
  only(w, ['version', 'files', 'devices', 'processes'], '$');
  if (w.version !== 1) throw new WorldError('$.version', 'expected 1');
  if (w.files !== undefined) {
    if (!Array.isArray(w.files)) throw new WorldError('$.files', 'expected an array');
    w.files.forEach((f, i) => {
      const at = `$.files[${i}]`;
      if (!isObj(f)) throw new WorldError(at, 'expected an object');
      only(f, ['path', 'content', 'dir', 'mode', 'ino'], at);
      inoField(f, at);
      str(f, 'path', at);
      if (!(f.path as string).startsWith('/')) throw new WorldError(`${at}.path`, 'must be absolute');
      str(f, 'content', at, { optional: true });
      if (f.dir !== undefined && typeof f.dir !== 'boolean')
        throw new WorldError(`${at}.dir`, 'expected a boolean');
      if (f.mode !== undefined && !isInt(f.mode, 0, 0o7777))
        throw new WorldError(`${at}.mode`, 'expected a mode');
    });
  }
  if (w.devices !== undefined) {
    if (!Array.isArray(w.devices)) throw new WorldError('$.devices', 'expected an array');
    w.devices.forEach((d, i) => {
      const at = `$.devices[${i}]`;
      if (!isObj(d)) throw new WorldError(at, 'expected an object');
      only(d, ['path', 'major', 'minor', 'ino'], at);
      inoField(d, at);
      str(d, 'path', at);
      if (!isInt(d.major, 0, 4095)) throw new WorldError(`${at}.major`, 'expected an integer 0..4095');
      if (!isInt(d.minor, 0, 1048575)) throw new WorldError(`${at}.minor`, 'expected an integer 0..1048575');
    });
  }
  if (!Array.isArray(w.processes)) throw new WorldError('$.processes', 'expected an array');
  const pids = new Set<number>();
  const pipes = new Map<string, Set<string>>();
  w.processes.forEach((p, i) => {
    const at = `$.processes[${i}]`;
    if (!isObj(p)) throw new WorldError(at, 'expected an object');
    only(p, ['pid', 'ppid', 'comm', 'kthread', 'newPidNs', 'nsPid', 'threads', 'files'], at);
    if (p.newPidNs !== undefined && typeof p.newPidNs !== 'boolean')
      throw new WorldError(`${at}.newPidNs`, 'expected a boolean');
    if (p.nsPid !== undefined && !isInt(p.nsPid, 1))
      throw new WorldError(`${at}.nsPid`, 'expected a positive integer');
    if (!isInt(p.pid, 1)) throw new WorldError(`${at}.pid`, 'expected a positive integer');
    if (pids.has(p.pid)) throw new WorldError(`${at}.pid`, `duplicate pid ${p.pid}`);
    pids.add(p.pid);
    if (!isInt(p.ppid, 0)) throw new WorldError(`${at}.ppid`, 'expected an integer');
    if (p.ppid !== 0 && !pids.has(p.ppid))
      throw new WorldError(`${at}.ppid`, `parent ${p.ppid} is not listed before`);
    str(p, 'comm', at);
    if (p.kthread !== undefined && typeof p.kthread !== 'boolean')
      throw new WorldError(`${at}.kthread`, 'expected a boolean');
    if (p.threads !== undefined) {
      if (!Array.isArray(p.threads)) throw new WorldError(`${at}.threads`, 'expected an array');
      p.threads.forEach((t, j) => {
        const tat = `${at}.threads[${j}]`;
        if (!isObj(t)) throw new WorldError(tat, 'expected an object');
        only(t, ['tid', 'comm', 'nsTid'], tat);
        if (t.nsTid !== undefined && !isInt(t.nsTid, 1))
          throw new WorldError(`${tat}.nsTid`, 'expected a positive integer');
        if (!isInt(t.tid, 1)) throw new WorldError(`${tat}.tid`, 'expected a positive integer');
        if (pids.has(t.tid)) throw new WorldError(`${tat}.tid`, `duplicate pid ${t.tid}`);
        pids.add(t.tid);
        str(t, 'comm', tat);
      });
    }
    if (p.files !== undefined) {
      if (p.kthread) throw new WorldError(`${at}.files`, 'kernel threads have no files');
      if (!Array.isArray(p.files)) throw new WorldError(`${at}.files`, 'expected an array');
      const fds = new Set<number>();
      p.files.forEach((f, j) => {
        const fat = `${at}.files[${j}]`;
        if (!isObj(f)) throw new WorldError(fat, 'expected an object');
        if (!isInt(f.fd, 0, 1023)) throw new WorldError(`${fat}.fd`, 'expected an fd 0..1023');
        if (fds.has(f.fd)) throw new WorldError(`${fat}.fd`, `duplicate fd ${f.fd}`);
        fds.add(f.fd);
        switch (f.type) {
          case 'file':
            only(f, ['fd', 'type', 'path', 'flags'], fat);
            str(f, 'path', fat);
            if (f.flags !== undefined && !isInt(f.flags, 0, 0o77777777))
              throw new WorldError(`${fat}.flags`, 'expected open flags');
            break;
          case 'pipe': {
            only(f, ['fd', 'type', 'pipe', 'end', 'ino'], fat);
            inoField(f, fat);
            str(f, 'pipe', fat);
            if (f.end !== 'read' && f.end !== 'write')
              throw new WorldError(`${fat}.end`, "expected 'read' or 'write'");
            const ends = pipes.get(f.pipe as string) ?? new Set();
            ends.add(f.end);
            pipes.set(f.pipe as string, ends);
            break;
          }
          case 'socket':
            only(f, ['fd', 'type', 'proto', 'ino'], fat);
            str(f, 'proto', fat, { optional: true, max: 31 });
            inoField(f, fat);
            break;
          case 'eventfd':
            only(f, ['fd', 'type'], fat);
            break;
          default:
            throw new WorldError(`${fat}.type`, "expected 'file', 'pipe', 'socket' or 'eventfd'");
        }
      });
    }
  });
  return w as unknown as World;
}

/** Parses and validates a world file's text. */
export function parseWorld(text: string): World {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WorldError('$', `not JSON: ${(e as Error).message}`);
  }
  return validateWorld(json);
}
