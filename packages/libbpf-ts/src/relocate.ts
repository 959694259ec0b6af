/**
 * Linking a main program: appending the .text subprograms it calls (each
 * main program gets its own copies), fixing bpf-to-bpf call offsets, moving
 * func_info/line_info along, then turning map and global data references
 * into ld_imm64 pseudo forms.
 *
 * @see bpf_object__relocate_calls, bpf_object__reloc_code, bpf_object__append_subprog_code,
 *      bpf_object__relocate_data (tools/lib/bpf/libbpf.c)
 */
import type { Insn } from '@tsbpf/bpf-vm';
import type { BtfExtCoreRelo, BtfExtFuncInfo, BtfExtLineInfo } from '@tsbpf/btf';
import {
  BPF_CALL,
  BPF_INSN_SIZE,
  BPF_JMP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
} from '@tsbpf/uapi';
import { LibbpfError } from './errors.js';
import type { ObjectDef, ProgramDef } from './open.js';
import { prDebug, prWarn } from './print.js';
import type { RelocDesc } from './relocs.js';

const LDDW = 0x18;

export interface LinkedProgram {
  insns: Insn[];
  relos: RelocDesc[];
  funcInfo: BtfExtFuncInfo[];
  lineInfo: BtfExtLineInfo[];
  /** CO-RE records with their instruction index in the linked program (for log fix-ups). */
  coreRelos: (BtfExtCoreRelo & { insnIdx: number })[];
  /** false when a program in the chain lacks func_info: none is passed to the kernel. */
  funcInfoComplete: boolean;
  lineInfoComplete: boolean;
}

function isSubprogCall(i: Insn): boolean {
  return i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL && i.dst === 0 && i.off === 0;
}
function isPseudoFunc(i: Insn): boolean {
  return i.code === LDDW && i.src === BPF_PSEUDO_FUNC;
}

const relocErr = (m: string) => {
  prWarn(m);
  return new LibbpfError('EINVAL', m, -4005);
};

/** Appends called subprograms to `main` and fixes call/callback offsets. */
export function linkProgram(obj: ObjectDef, main: ProgramDef): LinkedProgram {
  const out: LinkedProgram = {
    insns: main.insns.map((i) => ({ ...i })),
    relos: main.relos.map((r) => ({ ...r })),
    funcInfo: main.funcInfo.map((r) => ({ ...r })),
    lineInfo: main.lineInfo.map((r) => ({ ...r })),
    coreRelos: main.coreRelos.map((r) => ({ ...r })),
    funcInfoComplete: main.hasFuncInfo,
    lineInfoComplete: main.hasLineInfo,
  };
  // Mark callback address loads so they are recognised below.
  for (const r of out.relos) if (r.type === 'subprogAddr') out.insns[r.insnIdx]!.src = BPF_PSEUDO_FUNC;
  const placed = new Map<ProgramDef, number>([[main, 0]]);
  const reloc = (prog: ProgramDef, base: number): void => {
    for (let idx = 0; idx < prog.insns.length; idx++) {
      const insn = out.insns[base + idx]!;
      if (!isSubprogCall(insn) && !isPseudoFunc(insn)) continue;
      const relo = prog.relos.find((r) => r.insnIdx === idx);
      if (relo && relo.type !== 'call' && relo.type !== 'subprogAddr') {
        throw relocErr(`prog '${prog.name}': unexpected relo for insn #${idx}, type ${relo.type}`);
      }
      let subInsnIdx: number;
      if (relo?.type === 'call') subInsnIdx = relo.symOff / BPF_INSN_SIZE + insn.imm + 1;
      else if (relo?.type === 'subprogAddr') subInsnIdx = (relo.symOff + insn.imm) / BPF_INSN_SIZE;
      else if (isPseudoFunc(insn))
        throw relocErr(`prog '${prog.name}': missing subprog addr relo for insn #${idx}`);
      else subInsnIdx = prog.secInsnOff + idx + insn.imm + 1;
      const sub = obj.programs.find(
        (p) =>
          p.secIdx === obj.textShndx &&
          obj.textShndx !== 0 &&
          subInsnIdx >= p.secInsnOff &&
          subInsnIdx < p.secInsnOff + p.insns.length,
      );
      if (!sub) throw relocErr(`prog '${prog.name}': no .text section found yet sub-program call exists`);
      let subOff = placed.get(sub);
      if (subOff === undefined) {
        subOff = out.insns.length;
        placed.set(sub, subOff);
        for (const i of sub.insns) out.insns.push({ ...i });
        for (const r of sub.relos) {
          out.relos.push({ ...r, insnIdx: r.insnIdx + subOff });
          if (r.type === 'subprogAddr') out.insns[r.insnIdx + subOff]!.src = BPF_PSEUDO_FUNC;
        }
        for (const r of sub.funcInfo) out.funcInfo.push({ ...r, insnOff: r.insnOff + subOff });
        for (const r of sub.lineInfo) out.lineInfo.push({ ...r, insnOff: r.insnOff + subOff });
        for (const r of sub.coreRelos) out.coreRelos.push({ ...r, insnIdx: r.insnIdx + subOff });
        if (!sub.hasFuncInfo || !sub.funcInfo.some((r) => r.insnOff === 0)) out.funcInfoComplete = false;
        if (!sub.hasLineInfo) out.lineInfoComplete = false;
        prDebug(`prog '${main.name}': added ${sub.insns.length} insns from sub-prog '${sub.name}'`);
        reloc(sub, subOff);
      }
      const fixed = out.insns[base + idx]!;
      fixed.imm = subOff - (base + idx) - 1;
      prDebug(
        `prog '${prog.name}': insn #${idx} relocated, imm ${fixed.imm} points to subprog '${sub.name}' (now at ${subOff} offset)`,
      );
    }
  };
  reloc(main, 0);
  return out;
}

export interface MapRef {
  fd: number;
}

/**
 * Rewrites map and global data references. With `fdArray`, references use
 * BPF_PSEUDO_MAP_IDX(_VALUE) indexes into it instead of fds.
 */
export function relocateData(linked: LinkedProgram, maps: readonly MapRef[], fdArray?: number[]): void {
  const idxOf = (mapIdx: number): number => {
    const fd = maps[mapIdx]!.fd;
    let i = fdArray!.indexOf(fd);
    if (i < 0) {
      fdArray!.push(fd);
      i = fdArray!.length - 1;
    }
    return i;
  };
  for (const r of linked.relos) {
    const lo = linked.insns[r.insnIdx]!;
    const hi = linked.insns[r.insnIdx + 1];
    if (r.type === 'ld64') {
      lo.src = fdArray ? BPF_PSEUDO_MAP_IDX : BPF_PSEUDO_MAP_FD;
      lo.imm = fdArray ? idxOf(r.mapIdx) : maps[r.mapIdx]!.fd;
    } else if (r.type === 'data') {
      if (!hi) throw new LibbpfError('EINVAL', 'ld_imm64 without its second half', -4005);
      hi.imm = (lo.imm + r.symOff) | 0;
      lo.src = fdArray ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_VALUE;
      lo.imm = fdArray ? idxOf(r.mapIdx) : maps[r.mapIdx]!.fd;
    }
  }
}
