/**
 * Relocation records collected at open time, per program, in the program's
 * own instruction frame. @see struct reloc_desc, enum reloc_type (libbpf.c)
 */
export type RelocDesc =
  /** ld_imm64 of a map defined in `.maps` / `maps`: becomes BPF_PSEUDO_MAP_FD (or MAP_IDX). */
  | { type: 'ld64'; insnIdx: number; mapIdx: number }
  /** ld_imm64 of global data: becomes BPF_PSEUDO_MAP_VALUE (or MAP_IDX_VALUE) + offset. */
  | { type: 'data'; insnIdx: number; mapIdx: number; symOff: number }
  /** bpf-to-bpf call into .text. */
  | { type: 'call'; insnIdx: number; symOff: number }
  /** ld_imm64 of a subprogram address (callbacks): BPF_PSEUDO_FUNC. */
  | { type: 'subprogAddr'; insnIdx: number; symOff: number };
