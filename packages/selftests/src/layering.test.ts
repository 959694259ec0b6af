import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers of DESIGN.md, lowest first. A package may import only packages
// of a strictly lower layer, and only those it declares as dependencies.
const LAYER: Record<string, number> = {
  uapi: 0,
  'bpf-vm': 1,
  btf: 1,
  verifier: 2,
  'libbpf-ts': 2,
  'kernel-sim': 3,
  'bpf-iter': 4,
  'bpftool-ts': 5,
  selftests: 6,
};

const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

const importRe = /(?:from\s+|import\s*\(\s*|import\s+)['"]@tsbpf\/([a-z0-9-]+)(?:\/[^'"]*)?['"]/g;

describe('package layering', () => {
  const dirs = fs
    .readdirSync(packagesDir)
    .filter((d) => fs.existsSync(path.join(packagesDir, d, 'package.json')));

  it('knows every package', () => {
    expect(dirs.sort()).toEqual(Object.keys(LAYER).sort());
  });

  for (const dir of dirs) {
    it(`${dir} imports only declared packages of lower layers`, () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(packagesDir, dir, 'package.json'), 'utf8'));
      const declared = new Set(
        Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n.startsWith('@tsbpf/')),
      );
      const problems: string[] = [];
      for (const d of declared) {
        const target = d.slice('@tsbpf/'.length);
        if (!(LAYER[target]! < LAYER[dir]!)) problems.push(`declares ${d}, which is not below ${dir}`);
      }
      for (const file of sourceFiles(path.join(packagesDir, dir, 'src')).concat(
        sourceFiles(path.join(packagesDir, dir, 'bench')),
      )) {
        const text = fs.readFileSync(file, 'utf8');
        for (const m of text.matchAll(importRe)) {
          const target = m[1]!;
          const rel = path.relative(packagesDir, file);
          if (target === dir) problems.push(`${rel} imports its own package by name`);
          else if (!declared.has(`@tsbpf/${target}`))
            problems.push(`${rel} imports undeclared @tsbpf/${target}`);
          else if (!(LAYER[target]! < LAYER[dir]!))
            problems.push(`${rel} imports @tsbpf/${target} from a higher layer`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
