/**
 * What libbpf changes in an object's BTF before handing it to the kernel:
 * DATASEC sizes and VAR offsets clang leaves zero, hidden globals made
 * static, VARs sorted by offset (at open), and hidden global subprograms'
 * FUNCs made static (at load). Works on the @tsbpf/btf model; the bytes for
 * BPF_BTF_LOAD come from encodeBtf afterwards.
 *
 * @see bpf_object_fixup_btf, btf_fixup_datasec, bpf_object__sanitize_and_load_btf (tools/lib/bpf/libbpf.c)
 */
import {
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
  BTF_VAR_GLOBAL_EXTERN,
  BTF_VAR_STATIC,
  type Btf,
  type BtfVar,
} from '@tsbpf/btf';
import { LibbpfError } from './errors.js';
import { prDebug } from './print.js';

/** The ELF facts btf_fixup_datasec looks up. */
export interface DatasecFixupInput {
  /** Size of the ELF section with this name, if there is one. @see find_elf_sec_sz */
  sectionSize(name: string): number | undefined;
  /**
   * The ELF symbol of a global variable: its offset and whether it is
   * STV_HIDDEN/STV_INTERNAL. @see find_elf_var_sym
   */
  varSymbol(name: string): { offset: number; hidden: boolean } | undefined;
}

/**
 * Fixes every DATASEC of the object's BTF in place. Throws LibbpfError
 * (ENOENT/EINVAL) with libbpf's debug message when the ELF lacks what a
 * DATASEC needs, which fails the open as in libbpf.
 * @see bpf_object_fixup_btf, btf_fixup_datasec
 */
export function fixupDatasecs(btf: Btf, input: DatasecFixupInput): void {
  for (const t of btf.types) {
    if (t.kind !== 'DATASEC') continue;
    const secName = t.name;
    const fail = (errno: 'ENOENT' | 'EINVAL', msg: string): never => {
      prDebug(msg);
      throw new LibbpfError(errno, msg);
    };
    // Extern-backing sections are laid out by libbpf itself: only sorted.
    if (secName !== '.kconfig' && secName !== '.ksyms') {
      let fixOffsets = false;
      if (t.size === 0) {
        const size = input.sectionSize(secName);
        if (!size)
          fail(
            'ENOENT',
            `sec '${secName}': failed to determine size from ELF: size 0, err ${size === undefined ? -2 : 0}`,
          );
        t.size = size!;
        fixOffsets = true;
      }
      for (const vsi of t.vars) {
        const v = btf.tryType(vsi.type);
        if (v?.kind !== 'VAR') fail('EINVAL', `sec '${secName}': unexpected non-VAR type found`);
        const variable = v as BtfVar;
        if (variable.linkage === BTF_VAR_STATIC || variable.linkage === BTF_VAR_GLOBAL_EXTERN) continue;
        const sym = input.varSymbol(variable.name);
        if (!sym) fail('ENOENT', `sec '${secName}': failed to find ELF symbol for VAR '${variable.name}'`);
        if (fixOffsets) vsi.offset = sym!.offset;
        if (sym!.hidden) variable.linkage = BTF_VAR_STATIC;
      }
    }
    t.vars.sort((a, b) => a.offset - b.offset);
  }
}

/**
 * Turns the FUNC of each hidden (STV_HIDDEN) global subprogram static, so
 * the kernel verifies it with its caller's context. The first global FUNC
 * of that name is changed.
 * @see bpf_object__sanitize_and_load_btf (mark_btf_static)
 */
export function markFuncsStatic(btf: Btf, names: Iterable<string>): void {
  for (const name of names) {
    const f = btf.types.find((t) => t.kind === 'FUNC' && t.linkage === BTF_FUNC_GLOBAL && t.name === name);
    if (f?.kind === 'FUNC') f.linkage = BTF_FUNC_STATIC;
  }
}
