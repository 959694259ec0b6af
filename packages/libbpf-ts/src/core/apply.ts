/**
 * Applying a program's CO-RE relocations against a target BTF, with a
 * candidate cache per local type, as libbpf's bpf_core_apply_relo does.
 *
 * @see bpf_object__relocate_core, bpf_core_resolve_relo, bpf_core_find_cands (tools/lib/bpf/libbpf.c)
 */

import type { Insn } from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';
import { BpfCoreReloKind as K } from '@tsbpf/uapi';
import { type CoreCandidate, findCandidates } from './match.js';
import { type CoreLog, type CoreRelo, type CoreReloRes, calcReloInsn, patchInsn } from './relo.js';
import { CoreError, EINVAL, kindStr } from './spec.js';

export interface CoreTarget {
  btf: Btf;
  /** Name shown in "found target candidate ... in [<name>]": "vmlinux" for kernel BTF. */
  name: string;
}

/** Resolves candidates once per local type id, like libbpf's cand_cache. */
export class CoreCandidateCache {
  private readonly cache = new Map<number, CoreCandidate[]>();
  constructor(
    readonly local: Btf,
    readonly target: CoreTarget,
    private readonly log: CoreLog,
  ) {}

  get(localId: number): CoreCandidate[] {
    const hit = this.cache.get(localId);
    if (hit) return hit;
    const lt = this.local.type(localId);
    if (lt.name === '') throw new CoreError(-EINVAL, `local type [${localId}] is anonymous`);
    const cands = findCandidates(this.local, localId, this.target.btf, (id, t) => {
      this.log.debug(
        `CO-RE relocating [${localId}] ${kindStr(lt)} ${lt.name}: found target candidate [${id}] ${kindStr(t)} ${t.name} in [${this.target.name}]`,
      );
    });
    this.cache.set(localId, cands);
    return cands;
  }
}

export interface AppliedRelo {
  relo: CoreRelo;
  res: CoreReloRes;
}

/**
 * Resolves and patches one relocation in `insns` (the program's own
 * instructions, before subprogram linking). Throws CoreError on a hard
 * failure; unresolvable fields poison the instruction instead.
 */
export function applyCoreRelo(
  progName: string,
  insns: Insn[],
  relo: CoreRelo,
  reloIdx: number,
  cache: CoreCandidateCache,
  log: CoreLog,
): CoreReloRes {
  let cands: CoreCandidate[] = [];
  if (relo.kind !== K.BPF_CORE_TYPE_ID_LOCAL) {
    try {
      cands = cache.get(relo.typeId);
    } catch (e) {
      const lt = cache.local.type(relo.typeId);
      const errno = e instanceof CoreError ? e.errno : -EINVAL;
      log.warn(
        `prog '${progName}': relo #${reloIdx}: target candidate search failed for [${relo.typeId}] ${kindStr(lt)} ${lt.name}: ${errno}`,
      );
      throw e;
    }
  }
  const { res } = calcReloInsn(progName, relo, reloIdx, cache.local, cands, log);
  try {
    patchInsn(progName, insns, relo.insnIdx, reloIdx, res, log);
  } catch (e) {
    const errno = e instanceof CoreError ? e.errno : -EINVAL;
    log.warn(`prog '${progName}': relo #${reloIdx}: failed to patch insn #${relo.insnIdx}: ${errno}`);
    throw new CoreError(-EINVAL, `failed to patch insn #${relo.insnIdx}`);
  }
  return res;
}
