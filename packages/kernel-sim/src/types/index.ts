import type { Btf } from '@tsbpf/btf';
import { BtfBuilder } from './decl.js';
import { FUNCS, STRUCT_TYPEDEFS, STRUCTS } from './vmlinux.js';

/** Builds the vmlinux Btf from the declarations in vmlinux.ts. */
export function buildVmlinuxBtf(): Btf {
  return new BtfBuilder(STRUCTS, FUNCS, STRUCT_TYPEDEFS).btf;
}

export * from './decl.js';
export * from './layout.js';
export * from './vmlinux.js';
