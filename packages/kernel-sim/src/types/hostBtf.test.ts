import fs from 'node:fs';
import * as btfPkg from '@tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { buildVmlinuxBtf } from './index.js';

const HOST = '/sys/kernel/btf/vmlinux';
type ParseFn = (b: Uint8Array) => btfPkg.Btf;
const parseBtf = (btfPkg as Record<string, unknown>).parseBtf as ParseFn | undefined;
const hostReadable = (() => {
  try {
    fs.accessSync(HOST, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
})();

/** Member names of a composite, anonymous members flattened (as CO-RE field access sees them). */
function fieldNames(btf: btfPkg.Btf, id: number, out = new Set<string>()): Set<string> {
  const t = btf.type(btf.skipModsAndTypedefs(id));
  if (t.kind !== 'STRUCT' && t.kind !== 'UNION') return out;
  for (const m of t.members) {
    if (m.name) out.add(m.name);
    else fieldNames(btf, m.type, out);
  }
  return out;
}

/**
 * Names we keep although this host kernel renamed or dropped them (we model
 * the 6.1-era layout; CO-RE matches by name, so programs using them relocate
 * against our BTF and fail on such a host, as they would on Linux).
 */
const KNOWN_DIFFERENCES = new Set([
  // 6.13+ replaced atomic_long_t f_count by file_ref_t f_ref
  'file.f_count',
  // 6.14+ turned d_iname into union shortname_store d_shortname
  'dentry.d_iname',
  // 6.9+ moved sleepable into a struct bpf_prog bitfield
  'bpf_prog_aux.sleepable',
]);

describe('declarations use the real kernel names', () => {
  it.skipIf(!hostReadable || !parseBtf)(`every declared struct and field exists in ${HOST}`, () => {
    const host = parseBtf!(fs.readFileSync(HOST));
    const ours = buildVmlinuxBtf();
    const missing: string[] = [];
    for (const t of ours.types) {
      if ((t.kind !== 'STRUCT' && t.kind !== 'UNION') || !t.name) continue;
      if (t.name === 'refcount_struct') continue;
      const hid = host.findByName(t.name, t.kind);
      if (hid === undefined) {
        missing.push(`${t.kind.toLowerCase()} ${t.name}`);
        continue;
      }
      const hostFields = fieldNames(host, hid);
      for (const f of fieldNames(ours, ours.findByName(t.name, t.kind)!)) {
        if (!hostFields.has(f) && !KNOWN_DIFFERENCES.has(`${t.name}.${f}`)) missing.push(`${t.name}.${f}`);
      }
    }
    for (const f of ['bpf_iter_task', 'bpf_iter_task_file', 'bpf_iter_bpf_map', 'bpf_iter_bpf_map_elem']) {
      if (host.findByName(f, 'FUNC') === undefined) missing.push(`func ${f}`);
    }
    expect(missing).toEqual([]);
  });
});
