/** The committed BPF objects of packages/selftests/bpf. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/selftests/bpf */
export const BPF_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bpf');

/** `sim`: compiled against bpf/vmlinux.h (kernel-sim's BTF); `host`: against this machine's kernel BTF. */
export type Variant = 'sim' | 'host';

export const PROGRAMS = ['iter_task', 'iter_task_file', 'iter_task_nocheck'] as const;
export type Program = (typeof PROGRAMS)[number];

export function objectPath(variant: Variant, program: Program): string {
  return path.join(BPF_DIR, 'build', variant, `${program}.bpf.o`);
}
