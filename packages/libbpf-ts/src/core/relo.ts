/**
 * Computing a CO-RE relocation's values and patching the instruction.
 *
 * @see bpf_core_calc_relo_insn, bpf_core_calc_relo, bpf_core_calc_field_relo,
 *      bpf_core_patch_insn, bpf_core_poison_insn (tools/lib/bpf/relo_core.c)
 */

import type { Insn } from '@tsbpf/bpf-vm';
import type { Btf } from '@tsbpf/btf';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_B,
  BPF_CALL,
  BPF_CLASS,
  BPF_DW,
  BPF_H,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MODE,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BpfCoreReloKind as K,
} from '@tsbpf/uapi';
import { type CoreCandidate, specMatchPartial } from './match.js';
import {
  CoreError,
  type CoreSpec,
  E2BIG,
  EINVAL,
  EOPNOTSUPP,
  ERANGE,
  EUCLEAN,
  formatSpec,
  isAnyEnum,
  isComposite,
  isEnumvalBased,
  isFieldBased,
  isTypeBased,
  kindStr,
  parseSpec,
  reloKindStr,
  resolveSize,
} from './spec.js';

/** The helper id a poisoned instruction calls: 0xbad2310, "bad relo". */
export const POISON_HELPER_ID = 195896080;

export interface CoreRelo {
  /** Instruction index within the program. */
  insnIdx: number;
  typeId: number;
  accessStr: string;
  kind: number;
}

/** @see struct bpf_core_relo_res */
export interface CoreReloRes {
  origVal: bigint;
  newVal: bigint;
  poison: boolean;
  validate: boolean;
  failMemszAdjust: boolean;
  origSz: number;
  newSz: number;
  origTypeId: number;
  newTypeId: number;
}

export interface CoreLog {
  debug(msg: string): void;
  warn(msg: string): void;
}

interface FieldVal {
  val: bigint;
  sz: number;
  typeId: number;
  validate: boolean;
}

/** @see bpf_core_calc_field_relo */
function calcFieldRelo(
  progName: string,
  relo: CoreRelo,
  reloIdx: number,
  spec: CoreSpec | undefined,
  log: CoreLog,
): FieldVal {
  const out: FieldVal = { val: 0n, sz: 0, typeId: 0, validate: true };
  if (relo.kind === K.BPF_CORE_FIELD_EXISTS) {
    out.val = spec ? 1n : 0n;
    return out;
  }
  if (!spec) throw new CoreError(-EUCLEAN, 'poison');
  const btf = spec.btf;
  const acc = spec.spec[spec.spec.length - 1]!;
  if (acc.name === undefined) {
    if (relo.kind === K.BPF_CORE_FIELD_BYTE_OFFSET) {
      out.val = BigInt(spec.bitOffset / 8);
      out.sz = resolveSize(btf, acc.typeId);
      out.typeId = acc.typeId;
    } else if (relo.kind === K.BPF_CORE_FIELD_BYTE_SIZE) {
      out.val = BigInt(resolveSize(btf, acc.typeId));
    } else {
      log.warn(
        `prog '${progName}': relo ${reloIdx} at insn #${relo.insnIdx} can't be applied to array access`,
      );
      throw new CoreError(-EINVAL, 'array access');
    }
    return out;
  }
  const t = btf.type(acc.typeId);
  if (!isComposite(t)) throw new CoreError(-EINVAL, 'accessor is not a composite');
  const m = t.members[acc.idx]!;
  const fieldTypeId = btf.skipModsAndTypedefs(m.type);
  const mt = btf.type(fieldTypeId);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  const bitfield = bitSz > 0;
  let byteSz: number;
  let byteOff: number;
  if (bitfield) {
    byteSz = 'size' in mt ? mt.size : 0;
    if (byteSz === 0) throw new CoreError(-EINVAL, 'bitfield without size');
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new CoreError(-E2BIG, 'bitfield cannot be read with a 64-bit load');
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = resolveSize(btf, fieldTypeId);
    byteOff = bitOff / 8;
    bitSz = byteSz * 8;
  }
  out.validate = !bitfield;
  switch (relo.kind) {
    case K.BPF_CORE_FIELD_BYTE_OFFSET:
      out.val = BigInt(byteOff);
      if (!bitfield) {
        out.sz = byteSz;
        out.typeId = fieldTypeId;
      }
      break;
    case K.BPF_CORE_FIELD_BYTE_SIZE:
      out.val = BigInt(byteSz);
      break;
    case K.BPF_CORE_FIELD_SIGNED:
      out.val = (isAnyEnum(mt) && mt.signed) || (mt.kind === 'INT' && (mt.encoding & 1) !== 0) ? 1n : 0n;
      out.validate = true;
      break;
    case K.BPF_CORE_FIELD_LSHIFT_U64:
      out.val = BigInt(64 - (bitOff + bitSz - byteOff * 8));
      break;
    case K.BPF_CORE_FIELD_RSHIFT_U64:
      out.val = BigInt(64 - bitSz);
      out.validate = true;
      break;
    default:
      throw new CoreError(-EOPNOTSUPP, 'unsupported field relocation');
  }
  return out;
}

/** @see bpf_core_calc_type_relo */
function calcTypeRelo(relo: CoreRelo, spec: CoreSpec | undefined): bigint {
  if (!spec) return 0n;
  switch (relo.kind) {
    case K.BPF_CORE_TYPE_ID_LOCAL:
    case K.BPF_CORE_TYPE_ID_TARGET:
      return BigInt(spec.rootTypeId);
    case K.BPF_CORE_TYPE_EXISTS:
    case K.BPF_CORE_TYPE_MATCHES:
      return 1n;
    case K.BPF_CORE_TYPE_SIZE:
      return BigInt(resolveSize(spec.btf, spec.rootTypeId));
    default:
      throw new CoreError(-EOPNOTSUPP, 'unsupported type relocation');
  }
}

/** @see bpf_core_calc_enumval_relo */
function calcEnumvalRelo(relo: CoreRelo, spec: CoreSpec | undefined): bigint {
  switch (relo.kind) {
    case K.BPF_CORE_ENUMVAL_EXISTS:
      return spec ? 1n : 0n;
    case K.BPF_CORE_ENUMVAL_VALUE: {
      if (!spec) throw new CoreError(-EUCLEAN, 'poison');
      const t = spec.btf.type(spec.spec[0]!.typeId);
      if (!isAnyEnum(t)) throw new CoreError(-EINVAL, 'not an enum');
      return BigInt.asUintN(64, BigInt(t.values[spec.spec[0]!.idx]!.value));
    }
    default:
      throw new CoreError(-EOPNOTSUPP, 'unsupported enumval relocation');
  }
}

function isIntUnsigned(btf: Btf, id: number): boolean {
  const t = btf.type(id);
  return t.kind === 'INT' && (t.encoding & 1) === 0;
}

/** @see bpf_core_calc_relo */
function calcRelo(
  progName: string,
  relo: CoreRelo,
  reloIdx: number,
  local: CoreSpec,
  targ: CoreSpec | undefined,
  log: CoreLog,
): CoreReloRes {
  const res: CoreReloRes = {
    origVal: 0n,
    newVal: 0n,
    poison: false,
    validate: true,
    failMemszAdjust: false,
    origSz: 0,
    newSz: 0,
    origTypeId: 0,
    newTypeId: 0,
  };
  try {
    if (isFieldBased(relo.kind)) {
      const o = calcFieldRelo(progName, relo, reloIdx, local, log);
      res.origVal = o.val;
      res.origSz = o.sz;
      res.origTypeId = o.typeId;
      res.validate = o.validate;
      const n = calcFieldRelo(progName, relo, reloIdx, targ, log);
      res.newVal = n.val;
      res.newSz = n.sz;
      res.newTypeId = n.typeId;
      if (res.origSz !== res.newSz && targ) {
        const ot = local.btf.type(res.origTypeId);
        const nt = targ.btf.type(res.newTypeId);
        const ptrs = ot.kind === 'PTR' && nt.kind === 'PTR';
        const uints = isIntUnsigned(local.btf, res.origTypeId) && isIntUnsigned(targ.btf, res.newTypeId);
        if (!ptrs && !uints) res.failMemszAdjust = true;
      }
    } else if (isTypeBased(relo.kind)) {
      res.origVal = calcTypeRelo(relo, local);
      res.newVal = calcTypeRelo(relo, targ);
    } else if (isEnumvalBased(relo.kind)) {
      res.origVal = calcEnumvalRelo(relo, local);
      res.newVal = calcEnumvalRelo(relo, targ);
    }
  } catch (e) {
    if (e instanceof CoreError && e.errno === -EUCLEAN) {
      res.poison = true;
      return res;
    }
    if (e instanceof CoreError && e.errno === -EOPNOTSUPP) {
      log.warn(
        `prog '${progName}': relo #${reloIdx}: unrecognized CO-RE relocation ${reloKindStr(relo.kind)} (${relo.kind}) at insn #${relo.insnIdx}`,
      );
    }
    throw e;
  }
  return res;
}

/**
 * Resolves one relocation against its candidates: parses the local spec,
 * matches every candidate, checks that all matching candidates agree.
 * @see bpf_core_calc_relo_insn
 */
export function calcReloInsn(
  progName: string,
  relo: CoreRelo,
  reloIdx: number,
  localBtf: Btf,
  cands: CoreCandidate[],
  log: CoreLog,
): { res: CoreReloRes; localSpec: CoreSpec; targSpec: CoreSpec | undefined; matched: CoreCandidate[] } {
  const localType = localBtf.type(relo.typeId);
  let localSpec: CoreSpec;
  try {
    localSpec = parseSpec(localBtf, relo.typeId, relo.accessStr, relo.kind);
  } catch (e) {
    const errno = e instanceof CoreError ? e.errno : -EINVAL;
    log.warn(
      `prog '${progName}': relo #${reloIdx}: parsing [${relo.typeId}] ${kindStr(localType)} ${localType.name} + ${relo.accessStr} failed: ${errno}`,
    );
    throw new CoreError(-EINVAL, `parsing relocation #${reloIdx} failed`);
  }
  log.debug(`prog '${progName}': relo #${reloIdx}: ${formatSpec(localSpec)}`);
  if (relo.kind === K.BPF_CORE_TYPE_ID_LOCAL) {
    const v = BigInt(localSpec.rootTypeId);
    return {
      res: {
        origVal: v,
        newVal: v,
        poison: false,
        validate: false,
        failMemszAdjust: false,
        origSz: 0,
        newSz: 0,
        origTypeId: 0,
        newTypeId: 0,
      },
      localSpec,
      targSpec: undefined,
      matched: [],
    };
  }
  if (localType.name === '') {
    log.warn(
      `prog '${progName}': relo #${reloIdx}: <${reloKindStr(relo.kind)}> (${relo.kind}) relocation doesn't support anonymous types`,
    );
    throw new CoreError(-EOPNOTSUPP, 'anonymous type');
  }
  let res: CoreReloRes | undefined;
  let targSpec: CoreSpec | undefined;
  const matched: CoreCandidate[] = [];
  cands.forEach((cand, i) => {
    const m = specMatchPartial(localSpec, cand.btf, cand.id);
    const candSpec = m.ok ? m.spec : undefined;
    log.debug(
      `prog '${progName}': relo #${reloIdx}: ${m.ok ? 'matching' : 'non-matching'} candidate #${i} ${formatSpec(m.spec)}`,
    );
    if (!candSpec) return;
    const candRes = calcRelo(progName, relo, reloIdx, localSpec, candSpec, log);
    if (res === undefined || targSpec === undefined) {
      res = candRes;
      targSpec = candSpec;
    } else if (candSpec.bitOffset !== targSpec.bitOffset) {
      log.warn(
        `prog '${progName}': relo #${reloIdx}: field offset ambiguity: ${candSpec.bitOffset} != ${targSpec.bitOffset}`,
      );
      throw new CoreError(-EINVAL, 'field offset ambiguity');
    } else if (candRes.poison !== res.poison || (!candRes.poison && candRes.newVal !== res.newVal)) {
      log.warn(
        `prog '${progName}': relo #${reloIdx}: relocation decision ambiguity: ${candRes.poison ? 'failure' : 'success'} ${candRes.newVal} != ${res.poison ? 'failure' : 'success'} ${res.newVal}`,
      );
      throw new CoreError(-EINVAL, 'relocation decision ambiguity');
    }
    matched.push(cand);
  });
  if (res === undefined) {
    log.debug(`prog '${progName}': relo #${reloIdx}: no matching targets found`);
    res = calcRelo(progName, relo, reloIdx, localSpec, undefined, log);
  }
  return { res, localSpec, targSpec, matched };
}

function insnSizeBytes(code: number): number {
  switch (BPF_SIZE(code)) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

function bytesToBpfSize(sz: number): number | undefined {
  return ({ 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW } as Record<number, number>)[sz];
}

/** Replaces an instruction with a call to helper 0xbad2310. @see bpf_core_poison_insn */
export function poisonInsn(
  progName: string,
  reloIdx: number,
  insnIdx: number,
  insn: Insn,
  log: CoreLog,
): void {
  log.debug(`prog '${progName}': relo #${reloIdx}: substituting insn #${insnIdx} w/ invalid insn`);
  insn.code = BPF_JMP | BPF_CALL;
  insn.dst = 0;
  insn.src = 0;
  insn.off = 0;
  insn.imm = POISON_HELPER_ID;
}

/**
 * Writes the relocated value into the instruction (imm, off, mem size or
 * ld_imm64 pair), or poisons it.
 * @see bpf_core_patch_insn
 */
export function patchInsn(
  progName: string,
  insns: Insn[],
  insnIdx: number,
  reloIdx: number,
  res: CoreReloRes,
  log: CoreLog,
): void {
  const insn = insns[insnIdx];
  if (insn === undefined) throw new CoreError(-EINVAL, `insn #${insnIdx} out of range`);
  const cls = BPF_CLASS(insn.code);
  const poison = () => {
    // The second half of an ld_imm64 is poisoned too (after the first, as libbpf prints it),
    // so the verifier does not complain about "unknown opcode 00".
    const ldimm64 = insn.code === (BPF_LD | BPF_DW);
    poisonInsn(progName, reloIdx, insnIdx, insn, log);
    if (ldimm64 && insns[insnIdx + 1]) poisonInsn(progName, reloIdx, insnIdx + 1, insns[insnIdx + 1]!, log);
  };
  if (res.poison) {
    poison();
    return;
  }
  const { origVal, newVal } = res;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      if (BPF_SRC(insn.code) !== BPF_K) throw new CoreError(-EINVAL, 'ALU insn with register source');
      if (res.validate && BigInt(insn.imm >>> 0) !== origVal && BigInt(insn.imm) !== origVal) {
        log.warn(
          `prog '${progName}': relo #${reloIdx}: unexpected insn #${insnIdx} (ALU/ALU64) value: got ${insn.imm >>> 0}, exp ${origVal} -> ${newVal}`,
        );
        throw new CoreError(-EINVAL, 'unexpected ALU value');
      }
      const old = insn.imm >>> 0;
      insn.imm = Number(BigInt.asIntN(32, newVal));
      log.debug(
        `prog '${progName}': relo #${reloIdx}: patched insn #${insnIdx} (ALU/ALU64) imm ${old} -> ${newVal}`,
      );
      return;
    }
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (res.validate && BigInt(insn.off) !== origVal) {
        log.warn(
          `prog '${progName}': relo #${reloIdx}: unexpected insn #${insnIdx} (LDX/ST/STX) value: got ${insn.off & 0xffff}, exp ${origVal} -> ${newVal}`,
        );
        throw new CoreError(-EINVAL, 'unexpected LDX/ST/STX value');
      }
      if (newVal > 32767n) {
        log.warn(
          `prog '${progName}': relo #${reloIdx}: insn #${insnIdx} (LDX/ST/STX) value too big: ${newVal}`,
        );
        throw new CoreError(-ERANGE, 'offset too big');
      }
      if (res.failMemszAdjust) {
        log.warn(
          `prog '${progName}': relo #${reloIdx}: insn #${insnIdx} (LDX/ST/STX) accesses field incorrectly. Make sure you are accessing pointers, unsigned integers, or fields of matching type and size.`,
        );
        poison();
        return;
      }
      const old = insn.off;
      insn.off = Number(newVal);
      log.debug(
        `prog '${progName}': relo #${reloIdx}: patched insn #${insnIdx} (LDX/ST/STX) off ${old} -> ${newVal}`,
      );
      if (res.newSz !== res.origSz) {
        const have = insnSizeBytes(insn.code);
        if (have !== res.origSz) {
          log.warn(
            `prog '${progName}': relo #${reloIdx}: insn #${insnIdx} (LDX/ST/STX) unexpected mem size: got ${have}, exp ${res.origSz}`,
          );
          throw new CoreError(-EINVAL, 'unexpected mem size');
        }
        const sz = bytesToBpfSize(res.newSz);
        if (sz === undefined) {
          log.warn(
            `prog '${progName}': relo #${reloIdx}: insn #${insnIdx} (LDX/ST/STX) invalid new mem size: ${res.newSz}`,
          );
          throw new CoreError(-EINVAL, 'invalid new mem size');
        }
        insn.code = BPF_MODE(insn.code) | sz | BPF_CLASS(insn.code);
        log.debug(
          `prog '${progName}': relo #${reloIdx}: patched insn #${insnIdx} (LDX/ST/STX) mem_sz ${res.origSz} -> ${res.newSz}`,
        );
      }
      return;
    }
    case BPF_LD: {
      const hi = insns[insnIdx + 1];
      if (
        insn.code !== (BPF_LD | BPF_DW) ||
        hi === undefined ||
        insn.src !== 0 ||
        insn.off !== 0 ||
        hi.code !== 0 ||
        hi.dst !== 0 ||
        hi.src !== 0 ||
        hi.off !== 0
      ) {
        log.warn(`prog '${progName}': relo #${reloIdx}: insn #${insnIdx} (LDIMM64) has unexpected form`);
        throw new CoreError(-EINVAL, 'unexpected ld_imm64 form');
      }
      const imm = (BigInt(hi.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      if (res.validate && imm !== origVal) {
        log.warn(
          `prog '${progName}': relo #${reloIdx}: unexpected insn #${insnIdx} (LDIMM64) value: got ${imm}, exp ${origVal} -> ${newVal}`,
        );
        throw new CoreError(-EINVAL, 'unexpected ld_imm64 value');
      }
      insn.imm = Number(BigInt.asIntN(32, newVal));
      hi.imm = Number(BigInt.asIntN(32, newVal >> 32n));
      log.debug(
        `prog '${progName}': relo #${reloIdx}: patched insn #${insnIdx} (LDIMM64) imm64 ${imm} -> ${newVal}`,
      );
      return;
    }
    default:
      log.warn(
        `prog '${progName}': relo #${reloIdx}: trying to relocate unrecognized insn #${insnIdx}, code:0x${insn.code.toString(16)}, src:0x${insn.src.toString(16)}, dst:0x${insn.dst.toString(16)}, off:0x${(insn.off & 0xffff).toString(16)}, imm:0x${(insn.imm >>> 0).toString(16)}`,
      );
      throw new CoreError(-EINVAL, 'unrecognized instruction');
  }
}
