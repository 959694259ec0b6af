/**
 * The seam between the kernel and @tsbpf/verifier: the MapInfo the verifier
 * reads for a map referenced by ld_imm64. progLoad builds the rest of the
 * platform (kernel BTF, attach target, helper protos) from kernel state.
 */
import type { MapInfo } from '@tsbpf/verifier';
import type { BpfMap } from './map.js';

/** MapInfo of a map for the verifier. */
export function mapInfo(m: BpfMap): MapInfo {
  const valueAddr = m.type === 2 ? m.lookupAddr(new Uint8Array(4)) : undefined;
  return {
    name: m.name,
    mapType: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
    frozen: m.frozen,
    mapAddr: m.addr,
    ...(valueAddr !== undefined ? { valueAddr } : {}),
  };
}
