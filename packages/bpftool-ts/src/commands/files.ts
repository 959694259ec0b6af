import { O_RDONLY } from '@tsbpf/uapi';
import type { CliContext } from '../cli.js';
import { describeErrno, errnoOf } from '../errors.js';
import { withMachine } from '../machine.js';

/** Read size of coreutils cat (128 KiB). */
const CAT_BUFSIZE = 128 * 1024;

/**
 * `cat PATH...`: reads files of the simulated machine (a pinned iterator
 * starts a new session on each open) and copies them to stdout, as
 * coreutils cat does, including its error format.
 */
export function catCmd(ctx: CliContext, args: string[]): number {
  if (args.length === 0) {
    ctx.io.stderr('cat: missing file operand\n');
    return 1;
  }
  return withMachine(
    ctx,
    (m) => {
      let status = 0;
      const buf = new Uint8Array(CAT_BUFSIZE);
      for (const path of args) {
        let fd: number;
        try {
          fd = m.sys.open(path, O_RDONLY);
        } catch (err) {
          ctx.io.stderr(`cat: ${path}: ${describeErrno(err)}\n`);
          status = 1;
          continue;
        }
        try {
          for (;;) {
            const n = m.sys.read(fd, buf);
            if (n === 0) break;
            ctx.io.stdout(buf.slice(0, n));
          }
        } catch (err) {
          ctx.io.stderr(`cat: ${path}: ${describeErrno(err)}\n`);
          status = 1;
        } finally {
          m.sys.close(fd);
        }
      }
      return status;
    },
    'cat',
  );
}

/** `rm [-f] PATH...` on the simulated machine (removes pins in bpffs). */
export function rmCmd(ctx: CliContext, args: string[]): number {
  let force = false;
  const paths: string[] = [];
  for (const a of args) {
    if (a === '-f' || a === '--force') force = true;
    else if (/^-[f]+$/.test(a)) force = true;
    else paths.push(a);
  }
  if (paths.length === 0) {
    if (force) return 0;
    ctx.io.stderr('rm: missing operand\n');
    return 1;
  }
  return withMachine(
    ctx,
    (m) => {
      let status = 0;
      for (const path of paths) {
        try {
          m.sys.unlink(path);
        } catch (err) {
          if (force && errnoOf(err) === 2) continue;
          ctx.io.stderr(`rm: cannot remove '${path}': ${describeErrno(err)}\n`);
          status = 1;
        }
      }
      return status;
    },
    'rm',
  );
}
