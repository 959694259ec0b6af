import { vlogAlignment } from '../log.js';

/**
 * Normalises a verifier log for comparison with a real kernel's: keeps the
 * instruction trace ("N: (op) insn ; state"), the state lines and the
 * statistics, and drops what this verifier does not model (precision
 * backtracking "mark_precise:" lines, stack liveness "(0) ..." lines, SCC
 * notes, timing). A state line the kernel printed on its own line because a
 * precision note came between is joined back to its instruction line, with
 * the kernel's padding (print_insn_state).
 */
export function traceLines(log: string): string[] {
  const out: string[] = [];
  let lastInsnOpen = false;
  for (const line of log.split('\n')) {
    if (/^(mark_precise:|\([\d,]+\) |SCC |verification time|stack depth|func#|Live regs)/.test(line))
      continue;
    if (/^\s+(\d+\s+)?\d+: [.0-9]{10} /.test(line)) continue;
    if (line === '' || line.startsWith(';')) continue;
    const state = /^\d+:( (R\d+|fp-\d+|frame\d+)[=:].*)$/.exec(line);
    if (state && lastInsnOpen) {
      const insn = out.pop()!;
      const pos = insn.length + 1;
      const width = vlogAlignment(pos);
      out.push(`${insn}${' '.repeat(Math.max(width, 1))};${state[1]}`);
      lastInsnOpen = false;
      continue;
    }
    lastInsnOpen = /^\d+: \([0-9a-f]{2}\) /.test(line) && !line.includes(' ; ');
    // kernel BTF ids and addresses (ld_imm64 of a map value) differ; precision marks ("P") are not modelled
    out.push(
      line
        .replace(/ has btf_id \d+ /, ' has btf_id N ')
        .replace(/=P(?=-?\d|scalar)/g, '=')
        .replace(/0xffff[0-9a-f]{12}/g, '0xffffXXXXXXXXXXXX'),
    );
  }
  return out;
}
