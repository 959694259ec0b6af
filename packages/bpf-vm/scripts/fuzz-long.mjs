#!/usr/bin/env node
// Long differential run: interpreter vs JIT on seeded random programs.
// Usage: pnpm --filter @tsbpf/bpf-vm fuzz [count=100000] [firstSeed=1]
// Prints one JSON line per mismatch and a summary line; exits 1 on any mismatch.
import { differential } from '../dist/jitDifferential.js';

const count = Number(process.argv[2] ?? 100000);
const first = Number(process.argv[3] ?? 1);
if (!Number.isSafeInteger(count) || !Number.isSafeInteger(first) || count < 0) {
  console.error('usage: fuzz-long.mjs [count] [firstSeed]');
  process.exit(2);
}
const tally = new Map();
let mismatches = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const m = differential(seed, 3000, tally);
  if (m) {
    mismatches++;
    console.log(JSON.stringify(m));
    if (mismatches >= 20) break;
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    programs: count,
    firstSeed: first,
    mismatches,
    seconds,
    outcomes: Object.fromEntries(tally),
  }),
);
process.exit(mismatches ? 1 : 0);
