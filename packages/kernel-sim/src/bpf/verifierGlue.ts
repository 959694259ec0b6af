/**
 * The seam to @tsbpf/verifier and the VM's prepare(). Both are looked up at
 * run time so the kernel keeps working (unverified, not runnable) while those
 * packages are being written. kernel-sim hands the verifier its platform:
 * kernel BTF, the attach target it resolved, helper prototypes allowed for
 * the program, and the maps referenced by ld_imm64 (notes/verifier.md).
 */
import * as vm from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';
import * as verifierPkg from '@tsbpf/verifier';
import type { BpfMap } from './map.js';
import type { AttachTarget } from './objects.js';

/** verify()'s request (as published in notes/verifier.md). */
export interface VerifierRequest {
  insns: vm.Insn[];
  progType: number;
  expectedAttachType: number;
  attachBtfId: number;
  progFlags?: number;
  gplCompatible: boolean;
  logLevel: number;
  progName?: string;
}

/** The platform the verifier reads (notes/verifier.md). */
export interface VerifierPlatform {
  btf: Btf;
  resolveAttachTarget?(req: {
    progType: number;
    expectedAttachType: number;
    attachBtfId: number;
  }):
    | { funcName: string; funcProtoId?: number; ctxArgs: NonNullable<AttachTarget['ctxArgs']> }
    | { errno: string; log?: string };
  getHelperProto(id: number, prog: { progType: number; expectedAttachType: number }): unknown;
  getMap?(ref: { pc: number; src: number; imm: number }): VerifierMapInfo | undefined;
}

export interface VerifierMapInfo {
  name: string;
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  frozen: boolean;
  mapAddr: bigint;
  valueAddr?: bigint;
}

export interface VerifierResult {
  ok: boolean;
  errno?: string;
  log: string;
  insns?: vm.Insn[];
  probeLoads?: Set<number>;
  stats?: unknown;
  maxMapAccess?: unknown;
}

export type VerifyFn = (req: VerifierRequest, platform: VerifierPlatform) => VerifierResult;

/** @tsbpf/verifier's verify(), once it is exported. */
export function findVerifier(): VerifyFn | undefined {
  const f = (verifierPkg as Record<string, unknown>).verify;
  return typeof f === 'function' ? (f as VerifyFn) : undefined;
}

/** MapInfo of a map for the verifier. */
export function mapInfo(m: BpfMap): VerifierMapInfo {
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

type PrepareFn = (insns: readonly vm.Insn[], options?: vm.PrepareOptions) => vm.Executable;

/** @tsbpf/bpf-vm's prepare(), once it exists. */
export function findPrepare(): PrepareFn | undefined {
  const f = (vm as Record<string, unknown>).prepare;
  return typeof f === 'function' ? (f as PrepareFn) : undefined;
}
