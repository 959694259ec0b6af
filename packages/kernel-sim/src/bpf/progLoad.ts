/**
 * BPF_PROG_LOAD (bpf_prog_load + the parts of bpf_check that are the
 * kernel's, not the verifier's: log setup, map fd resolution, attach target).
 */
import { createHash } from 'node:crypto';
import { decodeInsns, encodeInsns, type HelperFn, type Insn, LDDW, prepare } from '@tsbpf/bpf-vm';
import {
  BPF_F_SLEEPABLE,
  BpfAttachType,
  BpfError,
  BpfProgType,
  ERRNO,
  type Errno,
  O_CLOEXEC,
  type ProgLoadAttr,
} from '@tsbpf/uapi';
import { type HelperProto, verify } from '@tsbpf/verifier';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { VerifierLog } from './log.js';
import type { BpfMap } from './map.js';
import { type AttachTarget, BpfProg } from './objects.js';
import { bpfObjNewFd, fdToMap, objNameCpy } from './syscall.js';
import { mapInfo } from './verifierGlue.js';

/** BPF_COMPLEXITY_LIMIT_INSNS */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
const PROG_FLAGS_MASK = 0x7f;
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** license_is_gpl_compatible */
export function licenseIsGplCompatible(license: string): boolean {
  return [
    'GPL',
    'GPL v2',
    'GPL and additional rights',
    'Dual BSD/GPL',
    'Dual MIT/GPL',
    'Dual MPL/GPL',
  ].includes(license);
}

const TRACING_ATTACH = new Set<number>([
  BpfAttachType.BPF_TRACE_RAW_TP,
  BpfAttachType.BPF_TRACE_FENTRY,
  BpfAttachType.BPF_TRACE_FEXIT,
  BpfAttachType.BPF_MODIFY_RETURN,
  BpfAttachType.BPF_TRACE_ITER,
]);

/** bpf_prog_calc_tag: SHA-1 of the insns with map pointers zeroed, first 8 bytes. */
export function progTag(insns: readonly Insn[]): string {
  const copy = insns.map((i) => ({ ...i }));
  for (let i = 0; i < copy.length - 1; i++) {
    const c = copy[i]!;
    if (c.code === LDDW && (c.src === BPF_PSEUDO_MAP_FD || c.src === BPF_PSEUDO_MAP_VALUE)) {
      c.imm = 0;
      copy[i + 1]!.imm = 0;
      i++;
    }
  }
  return createHash('sha1').update(encodeInsns(copy)).digest('hex').slice(0, 16);
}

class LoadFail extends Error {
  constructor(readonly errno: Errno) {
    super(errno);
  }
}

export function bpfProgLoad(k: Kernel, proc: Process, attr: ProgLoadAttr): number {
  const flags = attr.prog_flags ?? 0;
  if (flags & ~PROG_FLAGS_MASK) throw new BpfError('EINVAL');
  const type = attr.prog_type;
  const sleepable = (flags & BPF_F_SLEEPABLE) !== 0;
  if (
    sleepable &&
    type !== BpfProgType.BPF_PROG_TYPE_TRACING &&
    type !== BpfProgType.BPF_PROG_TYPE_LSM &&
    type !== BpfProgType.BPF_PROG_TYPE_KPROBE &&
    type !== BpfProgType.BPF_PROG_TYPE_STRUCT_OPS &&
    type !== BpfProgType.BPF_PROG_TYPE_SYSCALL
  ) {
    throw new BpfError('EINVAL');
  }
  const license = attr.license ?? '';
  const gpl = licenseIsGplCompatible(license);
  if (attr.insn_cnt === 0) throw new BpfError('EINVAL');
  if (attr.insn_cnt > BPF_COMPLEXITY_LIMIT_INSNS) throw new BpfError('E2BIG');
  if (!Object.values(BpfProgType).includes(type as never) || type === 0) throw new BpfError('EINVAL');
  const eat = attr.expected_attach_type ?? 0;
  if (type === BpfProgType.BPF_PROG_TYPE_TRACING && !TRACING_ATTACH.has(eat)) throw new BpfError('EINVAL');
  if (attr.insns.length < attr.insn_cnt * 8) throw new BpfError('EFAULT');
  const name = objNameCpy(attr.prog_name);
  const orig = attr.insns.slice(0, attr.insn_cnt * 8);
  const insns = decodeInsns(orig);

  // bpf_check
  const log = VerifierLog.init(attr.log_level ?? 0, attr.log_buf, attr.log_size ?? 0);
  if (!log) throw new BpfError('EINVAL');
  let errno: Errno | undefined;
  const maps = new Map<number, BpfMap>();
  const used: BpfMap[] = [];
  let target: AttachTarget | undefined;
  let probeLoads: ReadonlySet<number> | undefined;
  let facts: unknown;
  try {
    resolvePseudoLdimm64(k, proc, attr, insns, maps, used, log);
    target = checkAttachBtfId(k, type, eat, attr.attach_btf_id ?? 0, log, {
      name,
      sleepable,
    });
    const progRef = {
      type,
      expectedAttachType: eat,
      attachBtfId: attr.attach_btf_id ?? 0,
      sleepable,
      name,
    } as BpfProg;
    const r = verify(
      {
        insns: decodeInsns(orig),
        progType: type,
        expectedAttachType: eat,
        attachBtfId: attr.attach_btf_id ?? 0,
        progFlags: flags,
        gplCompatible: gpl,
        logLevel: attr.log_level ?? 0,
        progName: name,
      },
      {
        btf: k.btf,
        resolveAttachTarget: () =>
          target
            ? {
                funcName: target.funcName ?? '',
                funcProtoId: funcProtoOf(k, attr.attach_btf_id ?? 0),
                ctxArgs: target.ctxArgs ?? [],
              }
            : { errno: 'EINVAL' },
        getHelperProto: (id) => {
          const h = k.registry.helpers.get(id);
          return h?.allowed(progRef) ? (h.proto as HelperProto) : undefined;
        },
        getMap: ({ pc }) => {
          const m = maps.get(pc);
          return m ? mapInfo(m) : undefined;
        },
      },
    );
    log.write(r.log);
    if (!r.ok) throw new LoadFail((r.errno && r.errno in ERRNO ? r.errno : 'EACCES') as Errno);
    probeLoads = r.probeLoads;
    facts = r.stats;
  } catch (e) {
    if (e instanceof LoadFail) errno = e.errno;
    else if (e instanceof BpfError) {
      errno = e.errno;
      if (e.log) log.write(e.log);
    } else throw e;
  }
  const fin = log.finalize();
  attr.log_true_size = fin.trueSize;
  if (fin.errno) errno = fin.errno;
  if (errno) {
    for (const m of used) k.bpf.mapPut(m);
    throw new BpfError(errno, undefined, { log: log.text() });
  }

  const obj = k.alloc('bpf_prog');
  const aux = k.alloc('bpf_prog_aux');
  const tag = progTag(insns);
  const prog = new BpfProg(
    obj,
    aux,
    type,
    eat,
    attr.attach_btf_id ?? 0,
    name,
    license,
    gpl,
    sleepable,
    orig,
    insns,
    tag,
  );
  prog.usedMaps = used;
  prog.onFree = (x) => k.bpf.progFree(x);
  prog.mapByInsn = maps;
  prog.loadAttr = {
    prog_type: type,
    insns: orig,
    insn_cnt: attr.insn_cnt,
    license,
    prog_flags: flags,
    prog_name: name,
    expected_attach_type: eat,
    attach_btf_id: attr.attach_btf_id ?? 0,
  };
  prog.attachTarget = target;
  prog.verified = facts;
  prog.loadTime = k.ktimeGetNs();
  obj.set('type', type);
  obj.set('expected_attach_type', eat);
  obj.set('len', insns.length);
  obj.set('pages', 1);
  obj.set('aux', aux.addr);
  k.mem.writeBytes(obj.addrOf('tag'), Uint8Array.from(Buffer.from(tag, 'hex')));
  aux.set('refcnt.counter', 1);
  aux.set('used_map_cnt', used.length);
  aux.set('attach_btf_id', attr.attach_btf_id ?? 0);
  aux.set('sleepable', sleepable ? 1 : 0);
  aux.setString('name', name);
  aux.set('prog', obj.addr);
  const helpers = new Map<number, HelperFn>();
  for (const h of k.registry.helpers.values()) if (h.allowed(prog)) helpers.set(h.id, h.fn);
  prog.exec = prepare(insns, { helpers, ...(probeLoads ? { probeLoads } : {}) });
  const id = k.bpfIds.progs.alloc(prog);
  prog.id = id;
  aux.set('id', id);
  return bpfObjNewFd(k, proc, { kind: 'prog', prog }, O_CLOEXEC | 2);
}

/** resolve_pseudo_ldimm64: map fds (and fd_array indexes) become map addresses. */
function resolvePseudoLdimm64(
  k: Kernel,
  proc: Process,
  attr: ProgLoadAttr,
  insns: Insn[],
  maps: Map<number, BpfMap>,
  used: BpfMap[],
  log: VerifierLog,
): void {
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (insn.code !== LDDW) continue;
    const next = insns[i + 1];
    if (next === undefined || next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
      log.write('invalid bpf_ld_imm64 insn\n');
      throw new LoadFail('EINVAL');
    }
    const src = insn.src;
    if (src === 0) {
      i++;
      continue;
    }
    if (
      src !== BPF_PSEUDO_MAP_FD &&
      src !== BPF_PSEUDO_MAP_VALUE &&
      src !== BPF_PSEUDO_MAP_IDX &&
      src !== BPF_PSEUDO_MAP_IDX_VALUE
    ) {
      i++;
      continue; // BTF ids, funcs: the verifier's business
    }
    let fd = insn.imm;
    if (src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_MAP_IDX_VALUE) {
      const arr = attr.fd_array;
      if (!arr) {
        log.write('fd_idx without fd_array is invalid\n');
        throw new LoadFail('EPROTO' in ERRNO ? ('EPROTO' as Errno) : 'EINVAL');
      }
      const f = arr[insn.imm];
      if (f === undefined) throw new LoadFail('EFAULT');
      fd = f;
    }
    let map: BpfMap;
    try {
      map = fdToMap(k, proc, fd).map;
    } catch {
      log.write(`fd ${fd} is not pointing to valid bpf_map\n`);
      throw new LoadFail('EBADF');
    }
    let addr = map.addr;
    if (src === BPF_PSEUDO_MAP_VALUE || src === BPF_PSEUDO_MAP_IDX_VALUE) {
      const off = next.imm >>> 0;
      const base = map.lookupAddr(new Uint8Array(4));
      if (base === undefined || map.maxEntries !== 1 || off >= map.valueSize) {
        log.write(`invalid access to map value pointer, value_size=${map.valueSize} off=${off}\n`);
        throw new LoadFail('EACCES');
      }
      addr = base + BigInt(off);
    }
    maps.set(i, map);
    if (!used.includes(map)) used.push(k.bpf.mapGet(map));
    insn.imm = Number(BigInt.asIntN(32, addr & 0xffffffffn));
    next.imm = Number(BigInt.asIntN(32, addr >> 32n));
    i++;
  }
}

function funcProtoOf(k: Kernel, btfId: number): number | undefined {
  try {
    const t = k.btf.type(btfId);
    return t.kind === 'FUNC' ? t.type : undefined;
  } catch {
    return undefined;
  }
}

/** check_attach_btf_id: the kernel side (BTF lookup), then the registered resolver. */
function checkAttachBtfId(
  k: Kernel,
  type: number,
  eat: number,
  btfId: number,
  log: VerifierLog,
  p: { name: string; sleepable: boolean },
): AttachTarget | undefined {
  const tracing = type === BpfProgType.BPF_PROG_TYPE_TRACING || type === BpfProgType.BPF_PROG_TYPE_LSM;
  if (!tracing) return undefined;
  if (!btfId) {
    log.write('Tracing programs must provide btf_id\n');
    throw new LoadFail('EINVAL');
  }
  let t: ReturnType<typeof k.btf.type>;
  try {
    t = k.btf.type(btfId);
  } catch {
    log.write(`attach_btf_id ${btfId} is invalid\n`);
    throw new LoadFail('EINVAL');
  }
  if (
    eat === BpfAttachType.BPF_TRACE_ITER ||
    eat === BpfAttachType.BPF_TRACE_FENTRY ||
    eat === BpfAttachType.BPF_TRACE_FEXIT
  ) {
    if (t.kind !== 'FUNC') {
      log.write(`attach_btf_id ${btfId} is not a function\n`);
      throw new LoadFail('EINVAL');
    }
  }
  const resolve = k.registry.attachTarget(type, eat);
  if (!resolve) throw new LoadFail('EINVAL');
  const prog = {
    type,
    expectedAttachType: eat,
    attachBtfId: btfId,
    name: p.name,
    sleepable: p.sleepable,
  } as BpfProg;
  // The target names the FUNC it attached to (the verifier's "func '%s' ..." lines).
  return { funcName: t.name, ...resolve({ btfId, funcName: t.name, prog }) };
}

export { ERRNO };
