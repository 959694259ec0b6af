/** Helper registration and the built-in helpers every program type gets (bpf_base_func_proto subset). */
import { type HelperFn, MemoryFault } from '@tsbpf/bpf-vm';
import { BPF_FUNC } from '@tsbpf/uapi';
import type { BpfMap } from './map.js';
import type { BpfProg } from './objects.js';

/** A helper as the kernel knows it: prototype for the verifier, implementation for the VM. */
export interface HelperDef {
  id: number;
  name: string;
  /** struct bpf_func_proto, in the shape the verifier reads (func_id, gpl_only, ret_type, arg_type[], arg_btf_id[]). */
  proto: unknown;
  fn: HelperFn;
  /** get_func_proto: whether this program may call it. */
  allowed(prog: BpfProg): boolean;
}

const EFAULT = BigInt.asUintN(64, -14n);
const ENOENT = BigInt.asUintN(64, -2n);

/** The built-in helpers, given the way to find a map by its struct bpf_map address. */
export function baseHelpers(
  mapByAddr: (addr: bigint) => BpfMap | undefined,
  ktime: () => bigint,
): HelperDef[] {
  const all = () => true;
  const mapOf = (a: bigint) => {
    const m = mapByAddr(a);
    if (!m) throw new Error(`helper called with a map pointer 0x${a.toString(16)} that is not a map`);
    return m;
  };
  return [
    {
      id: BPF_FUNC.map_lookup_elem,
      name: 'map_lookup_elem',
      proto: {
        func_id: BPF_FUNC.map_lookup_elem,
        name: 'bpf_map_lookup_elem',
        gpl_only: false,
        ret_type: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
        arg_type: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY'],
      },
      fn: (env, r1, r2) => {
        const m = mapOf(r1);
        return m.lookupAddr(env.memory.readBytes(r2, m.keySize)) ?? 0n;
      },
      allowed: all,
    },
    {
      id: BPF_FUNC.map_update_elem,
      name: 'map_update_elem',
      proto: {
        func_id: BPF_FUNC.map_update_elem,
        name: 'bpf_map_update_elem',
        gpl_only: false,
        ret_type: 'RET_INTEGER',
        arg_type: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY', 'ARG_PTR_TO_MAP_VALUE', 'ARG_ANYTHING'],
      },
      fn: (env, r1, r2, r3, r4) => {
        const m = mapOf(r1);
        try {
          m.update(env.memory.readBytes(r2, m.keySize), env.memory.readBytes(r3, m.valueSize), Number(r4));
          return 0n;
        } catch (e) {
          const code = (e as { code?: number }).code;
          if (typeof code === 'number') return BigInt.asUintN(64, BigInt(-code));
          throw e;
        }
      },
      allowed: all,
    },
    {
      id: BPF_FUNC.map_delete_elem,
      name: 'map_delete_elem',
      proto: {
        func_id: BPF_FUNC.map_delete_elem,
        name: 'bpf_map_delete_elem',
        gpl_only: false,
        ret_type: 'RET_INTEGER',
        arg_type: ['ARG_CONST_MAP_PTR', 'ARG_PTR_TO_MAP_KEY'],
      },
      fn: (env, r1, r2) => {
        const m = mapOf(r1);
        try {
          m.delete(env.memory.readBytes(r2, m.keySize));
          return 0n;
        } catch (e) {
          const code = (e as { code?: number }).code;
          if (typeof code === 'number') return BigInt.asUintN(64, BigInt(-code));
          return ENOENT;
        }
      },
      allowed: all,
    },
    {
      id: BPF_FUNC.ktime_get_ns,
      name: 'ktime_get_ns',
      proto: {
        func_id: BPF_FUNC.ktime_get_ns,
        name: 'bpf_ktime_get_ns',
        gpl_only: false,
        ret_type: 'RET_INTEGER',
        arg_type: [],
      },
      fn: () => ktime(),
      allowed: all,
    },
    {
      id: BPF_FUNC.probe_read_kernel,
      name: 'probe_read_kernel',
      proto: {
        func_id: BPF_FUNC.probe_read_kernel,
        name: 'bpf_probe_read_kernel',
        gpl_only: true,
        ret_type: 'RET_INTEGER',
        arg_type: ['ARG_PTR_TO_UNINIT_MEM', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_ANYTHING'],
      },
      fn: (env, r1, r2, r3) => {
        const n = Number(r2);
        try {
          env.memory.writeBytes(r1, env.memory.readBytes(r3, n));
          return 0n;
        } catch (e) {
          if (!(e instanceof MemoryFault)) throw e;
          env.memory.writeBytes(r1, new Uint8Array(n));
          return EFAULT;
        }
      },
      allowed: all,
    },
  ];
}
