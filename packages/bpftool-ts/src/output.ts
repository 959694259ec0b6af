import type { CliIo } from './io.js';

/**
 * bpftool's two faces: plain text, or JSON with `-j` (`-p` pretty-prints).
 * Errors are `Error: ...` on stderr in plain mode and `{"error":"..."}` on
 * stdout in JSON mode (bpftool's p_err).
 *
 * JSON goes through one writer per invocation, as bpftool's json_writer:
 * top-level values are separated by a comma on one line (`{"error":"..."},null`)
 * and the writer ends the output with a newline when it is destroyed, even
 * when nothing was written.
 */
export class Output {
  private sep = '';

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
    if (!this.json) return;
    this.io.stdout(this.sep + formatJsonw(v, this.pretty));
    this.sep = ',';
  }

  /**
   * Prints a value that is already JSON text (compact), keeping its numbers
   * exact (u64 enum values do not survive a JSON.parse).
   */
  rawJson(text: string): void {
    if (!this.json) return;
    this.io.stdout(this.sep + (this.pretty ? prettyJsonText(text) : text));
    this.sep = ',';
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

  /** jsonw_destroy at exit: the final newline of JSON mode. */
  finish(): void {
    if (this.json) this.io.stdout('\n');
  }
}

/** jsonw_puts: the escapes bpftool's writer makes (and no others). */
function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else if (c === '\b') out += '\\b';
    else if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else out += c;
  }
  return `${out}"`;
}

/**
 * A value as bpftool's json_writer prints it. Pretty mode puts each object
 * member on its own line, indented by 4 spaces per level, while array
 * elements follow each other on one line (`[{`, `},{`), as jsonw does.
 */
export function formatJsonw(v: unknown, pretty: boolean): string {
  let out = '';
  const eol = (depth: number) => {
    if (pretty) out += `\n${'    '.repeat(depth)}`;
  };
  const write = (x: unknown, depth: number): void => {
    if (x === null || x === undefined) out += 'null';
    else if (typeof x === 'string') out += quote(x);
    else if (typeof x === 'number' || typeof x === 'bigint') out += String(x);
    else if (typeof x === 'boolean') out += x ? 'true' : 'false';
    else if (Array.isArray(x)) {
      out += '[';
      x.forEach((e, i) => {
        if (i) out += ',';
        write(e, depth + 1);
      });
      if (x.length) eol(depth);
      out += ']';
    } else {
      const entries = Object.entries(x as Record<string, unknown>);
      out += '{';
      entries.forEach(([k, e], i) => {
        if (i) out += ',';
        eol(depth + 1);
        out += `${quote(k)}:${pretty ? ' ' : ''}`;
        write(e, depth + 1);
      });
      if (entries.length) eol(depth);
      out += '}';
    }
  };
  write(v, 0);
  return out;
}

/** Re-indents compact JSON text the way jsonw's pretty mode lays it out (see formatJsonw). */
export function prettyJsonText(text: string): string {
  let out = '';
  // One entry per open container: is it an object, and has it members yet.
  const stack: { obj: boolean; empty: boolean }[] = [];
  const eol = (depth: number) => {
    out += `\n${'    '.repeat(depth)}`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const str = text.slice(i, j + 1);
      // An object member name starts a new line.
      if (top?.obj && (top.empty || text[i - 1] === ',')) {
        eol(stack.length);
        top.empty = false;
      }
      out += str;
      i = j;
    } else if (c === '{' || c === '[') {
      if (top) top.empty = false;
      stack.push({ obj: c === '{', empty: true });
      out += c;
    } else if (c === '}' || c === ']') {
      const closed = stack.pop();
      if (closed && !closed.empty) eol(stack.length);
      out += c;
    } else if (c === ':') {
      out += ': ';
    } else if (c === ',') {
      out += ',';
    } else if (c !== ' ' && c !== '\n') {
      if (top) top.empty = false;
      out += c;
    }
  }
  return out;
}
