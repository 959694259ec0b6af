/**
 * `pnpm bench` (selftests): end-to-end iterator reads. A generated machine of
 * N tasks x M files; the committed iter_task / iter_task_file objects are
 * loaded through libbpf-ts, pinned, and read with read(2) in 4 KiB chunks, as
 * `cat` would. Prints one JSON line per case: records (programs runs), bytes,
 * ns per record, MB/s, and the load time (open + CO-RE + verify + prepare).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfIterInit } from '@tsbpf/bpf-iter';
import { generateWorld, Kernel } from '@tsbpf/kernel-sim';
import { BpfObject } from '@tsbpf/libbpf-ts';
import { O_RDONLY } from '@tsbpf/uapi';

const here = dirname(fileURLToPath(import.meta.url));
const objDir = join(here, '..', '..', 'bpf', 'build', 'sim');

interface Case {
  prog: 'iter_task' | 'iter_task_file';
  tasks: number;
  filesPerTask: number;
}

function runCase(c: Case, rounds: number): Record<string, unknown> {
  const k = Kernel.boot({ world: generateWorld({ tasks: c.tasks, filesPerTask: c.filesPerTask }) });
  bpfIterInit(k);
  const proc = k.process(1).fork('bench');
  const image = new Uint8Array(readFileSync(join(objDir, `${c.prog}.bpf.o`)));
  const t0 = performance.now();
  const obj = BpfObject.openMemory(image, { objectName: c.prog, syscalls: proc });
  obj.load({ syscalls: proc });
  const loadMs = performance.now() - t0;
  const prog = obj.programs[0];
  if (!prog) throw new Error(`${c.prog}: no program`);
  const link = prog.attachIter({});
  const path = `/sys/fs/bpf/bench_${c.prog}`;
  link.pin(path);
  const buf = new Uint8Array(4096);
  let bytes = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    bytes = 0;
    const fd = proc.open(path, O_RDONLY);
    const s = performance.now();
    for (;;) {
      const n = proc.read(fd, buf);
      if (n === 0) break;
      bytes += n;
    }
    best = Math.min(best, performance.now() - s);
    proc.close(fd);
  }
  link.destroy();
  obj.close();
  // generateWorld adds init (pid 1) without files to the N tasks.
  const records = c.prog === 'iter_task' ? c.tasks + 1 : c.tasks * c.filesPerTask;
  return {
    bench: 'iter_read',
    prog: c.prog,
    tasks: c.tasks,
    files_per_task: c.filesPerTask,
    records,
    bytes,
    best_ms: Number(best.toFixed(2)),
    ns_per_record: Math.round((best * 1e6) / records),
    mb_per_s: Number((bytes / 1e6 / (best / 1e3)).toFixed(1)),
    load_ms: Number(loadMs.toFixed(1)),
  };
}

const cases: Case[] = [
  { prog: 'iter_task', tasks: 1000, filesPerTask: 0 },
  { prog: 'iter_task', tasks: 10000, filesPerTask: 0 },
  { prog: 'iter_task_file', tasks: 1000, filesPerTask: 16 },
];
for (const c of cases) console.log(JSON.stringify(runCase(c, 5)));
