/** A generated world: N processes x M files, deterministic, for scale tests and benchmarks. */
import type { World, WorldFile, WorldProcess } from './schema.js';

export interface GenerateOptions {
  tasks: number;
  filesPerTask: number;
  /** Threads per process (default 0). */
  threadsPerTask?: number;
}

export function generateWorld(opts: GenerateOptions): World {
  const files: NonNullable<World['files']> = [{ path: '/data', dir: true }];
  const processes: WorldProcess[] = [{ pid: 1, ppid: 0, comm: 'init', files: [] }];
  let pid = 100;
  for (let i = 0; i < opts.tasks; i++) {
    const me = pid++;
    const fl: WorldFile[] = [];
    for (let j = 0; j < opts.filesPerTask; j++) {
      const kind = j % 4;
      if (kind === 0) {
        const path = `/data/f${i}_${j}`;
        files.push({ path, content: `${i}:${j}\n` });
        fl.push({ fd: j, type: 'file', path, flags: 0 });
      } else if (kind === 1) fl.push({ fd: j, type: 'socket' });
      else if (kind === 2) fl.push({ fd: j, type: 'eventfd' });
      else fl.push({ fd: j, type: 'file', path: '/dev/null', flags: 2 });
    }
    const threads = [];
    for (let t = 0; t < (opts.threadsPerTask ?? 0); t++)
      threads.push({ tid: pid++, comm: `worker${i}.${t}` });
    processes.push({ pid: me, ppid: 1, comm: `task${i}`, files: fl, ...(threads.length ? { threads } : {}) });
  }
  return { version: 1, files, processes };
}
