/** Where a bpftool-ts invocation reads its environment and writes its output. */
export interface CliIo {
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** An io that collects output, for tests and embedding. */
export function createBufferIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()) {
  const out: Uint8Array[] = [];
  let err = '';
  const enc = new TextEncoder();
  const io: CliIo = {
    stdout: (t) => out.push(typeof t === 'string' ? enc.encode(t) : t),
    stderr: (t) => {
      err += t;
    },
    env,
    cwd,
  };
  return {
    io,
    stdoutBytes(): Uint8Array {
      return Buffer.concat(out);
    },
    stdoutText(): string {
      return Buffer.concat(out).toString('utf8');
    },
    stderrText(): string {
      return err;
    },
  };
}
