/**
 * Loads through PTR_TO_BTF_ID (btf_struct_access / btf_struct_walk in
 * kernel/bpf/btf.c) and the trusted / RCU member tables of
 * kernel/bpf/verifier.c (BTF_TYPE_SAFE_TRUSTED, BTF_TYPE_SAFE_RCU).
 */
import type { Btf, BtfComposite } from '@tsbpf/btf';

export type WalkResult =
  | { kind: 'scalar' }
  | { kind: 'ptr'; btfId: number; fieldName: string }
  | { kind: 'error'; msg: string };

/** Members whose pointer is trusted when read from a trusted pointer. */
const SAFE_TRUSTED: Record<string, string[]> = {
  bpf_iter_meta: ['seq'],
  bpf_iter__task: ['meta', 'task'],
  linux_binprm: ['file'],
  file: ['f_inode'],
  dentry: ['d_inode'],
  socket: ['sk'],
};
/** Members that are RCU-protected pointers (rcu_ptr_ in an RCU read section). */
const SAFE_RCU: Record<string, string[]> = {
  task_struct: ['cgroups', 'real_parent', 'group_leader', 'cpus_ptr'],
  cgroup: ['kn'],
  css_set: ['dfl_cgrp'],
};

export function memberTrust(structName: string, field: string): 'trusted' | 'rcu' | 'none' {
  if (SAFE_TRUSTED[structName]?.includes(field)) return 'trusted';
  if (SAFE_RCU[structName]?.includes(field)) return 'rcu';
  return 'none';
}

/** Walks `struct btfId` for a load of `size` bytes at `off`. */
export function btfStructWalk(btf: Btf, btfId: number, off: number, size: number): WalkResult {
  let id = btf.skipModsAndTypedefs(btfId);
  const root = btf.type(id);
  if (root.kind !== 'STRUCT' && root.kind !== 'UNION')
    return { kind: 'error', msg: `Type '${root.name}' is not a struct` };
  const rootName = root.name;
  let curOff = off;
  let fieldName = '';
  for (let guard = 0; guard < 64; guard++) {
    const t = btf.type(id);
    if (t.kind !== 'STRUCT' && t.kind !== 'UNION') break;
    const st = t as BtfComposite;
    if (curOff + size > st.size) {
      // flexible trailing array: allow if the last member is a zero-length array covering the offset
      const last = st.members[st.members.length - 1];
      const lt = last ? btf.type(btf.skipModsAndTypedefs(last.type)) : undefined;
      if (!(last && lt?.kind === 'ARRAY' && lt.nelems === 0 && curOff >= last.bitOffset / 8)) {
        return { kind: 'error', msg: `access beyond struct ${rootName} at off ${off} size ${size}` };
      }
    }
    let found = false;
    for (const m of st.members) {
      if (m.bitfieldSize) {
        const mStart = Math.floor(m.bitOffset / 8);
        const mEnd = Math.ceil((m.bitOffset + m.bitfieldSize) / 8);
        if (curOff >= mStart && curOff < mEnd) return { kind: 'scalar' };
        continue;
      }
      if (m.bitOffset % 8) continue;
      const mOff = m.bitOffset / 8;
      const mid = btf.skipModsAndTypedefs(m.type);
      const mt = btf.type(mid);
      let msize: number;
      try {
        msize = mt.kind === 'ARRAY' && mt.nelems === 0 ? Number.MAX_SAFE_INTEGER : btf.sizeof(mid);
      } catch {
        continue;
      }
      if (curOff < mOff || curOff >= mOff + msize) continue;
      fieldName = m.name;
      const inner = curOff - mOff;
      if (mt.kind === 'STRUCT' || mt.kind === 'UNION') {
        id = mid;
        curOff = inner;
        found = true;
        break;
      }
      if (mt.kind === 'ARRAY') {
        let et = btf.skipModsAndTypedefs(mt.type);
        let ett = btf.type(et);
        while (ett.kind === 'ARRAY') {
          et = btf.skipModsAndTypedefs(ett.type);
          ett = btf.type(et);
        }
        const esz = btf.sizeof(et);
        const eoff = esz ? inner % esz : 0;
        if (ett.kind === 'STRUCT' || ett.kind === 'UNION') {
          id = et;
          curOff = eoff;
          found = true;
          break;
        }
        if (ett.kind === 'PTR') {
          if (eoff !== 0 || size !== 8) return { kind: 'scalar' };
          return pointee(btf, ett.type, fieldName);
        }
        if (eoff + size > esz) return { kind: 'scalar' };
        return { kind: 'scalar' };
      }
      if (mt.kind === 'PTR') {
        if (inner !== 0 || size !== 8) {
          // the kernel names the member's (pointer) type here, which has no name
          return {
            kind: 'error',
            msg: `cannot access ptr member ${m.name} with moff ${mOff} in struct ${mt.name || '(anon)'} with off ${curOff} size ${size}`,
          };
        }
        return pointee(btf, mt.type, fieldName);
      }
      if (inner + size > msize) {
        return {
          kind: 'error',
          msg: `access beyond the end of member ${m.name} (mend:${mOff + msize}) in struct ${st.name} with off ${curOff} size ${size}`,
        };
      }
      return { kind: 'scalar' };
    }
    if (!found) return { kind: 'scalar' }; // padding / holes read as scalars
  }
  return { kind: 'scalar' };
}

function pointee(btf: Btf, typeId: number, fieldName: string): WalkResult {
  const pid = btf.skipModsAndTypedefs(typeId);
  const pt = btf.type(pid);
  if (pt.kind === 'STRUCT' || pt.kind === 'UNION') return { kind: 'ptr', btfId: pid, fieldName };
  return { kind: 'scalar' };
}

/** Name of the struct at btfId. */
export function structName(btf: Btf, btfId: number): string {
  return btf.type(btf.skipModsAndTypedefs(btfId)).name;
}
