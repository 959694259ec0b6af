import type { CliIo } from './io.js';

/**
 * bpftool's two faces: plain text, or JSON with `-j` (`-p` pretty-prints).
 * Errors are `Error: ...` on stderr in plain mode and `{"error":"..."}` on
 * stdout in JSON mode (bpftool's p_err).
 */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
    readonly pretty: boolean,
  ) {}

  /** Prints text in plain mode. */
  plain(text: string): void {
    if (!this.json) this.io.stdout(text);
  }

  /** Prints one JSON value in JSON mode. */
  value(v: unknown): void {
    if (this.json) this.io.stdout(`${this.pretty ? JSON.stringify(v, null, 4) : JSON.stringify(v)}\n`);
  }

  /** bpftool's p_err. */
  error(message: string): void {
    if (this.json) this.value({ error: message });
    else this.io.stderr(`Error: ${message}\n`);
  }

  /** bpftool's p_info: plain-mode diagnostics on stderr. */
  info(message: string): void {
    if (!this.json) this.io.stderr(`${message}\n`);
  }
}
