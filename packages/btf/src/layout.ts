import type { Btf } from './btf.js';
import { BtfError } from './btf.js';

/**
 * Pointer size of the target the BTF describes: the size of `long` when the
 * BTF has one, else 8.
 * @see btf__pointer_size / determine_ptr_size (tools/lib/bpf/btf.c)
 */
export function pointerSize(btf: Btf): number {
  const longNames = new Set([
    'long',
    'long int',
    'int long',
    'unsigned long',
    'long unsigned',
    'long unsigned int',
    'unsigned long int',
    'int long unsigned',
    'long int unsigned',
    'int unsigned long',
    'unsigned int long',
  ]);
  for (let id = 1; id < btf.endId; id++) {
    const t = btf.type(id);
    if (t.kind === 'INT' && longNames.has(t.name)) {
      if (t.size === 4 || t.size === 8) return t.size;
      break;
    }
  }
  return 8;
}

/**
 * Alignment in bytes of a type, as the C compiler laid it out: natural
 * alignment of scalars (capped at the pointer size), the largest member's
 * for structs and unions, and 1 for a struct whose layout shows it was packed.
 * @see btf__align_of (tools/lib/bpf/btf.c)
 */
export function alignof(btf: Btf, id: number, ptrSize = 8): number {
  for (let guard = 0; guard < 1024; guard++) {
    const t = btf.type(id);
    switch (t.kind) {
      case 'INT':
      case 'ENUM':
      case 'ENUM64':
      case 'FLOAT':
        return Math.min(ptrSize, t.size);
      case 'PTR':
        return ptrSize;
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'TYPE_TAG':
        id = t.type;
        continue;
      case 'ARRAY':
        id = t.type;
        continue;
      case 'STRUCT':
      case 'UNION': {
        let max = 1;
        for (const m of t.members) {
          const a = alignof(btf, m.type, ptrSize);
          if (a <= 0) throw new BtfError(`type [${m.type}] has no alignment`);
          if (a > max) max = a;
          if (!(t.kflag && m.bitfieldSize) && m.bitOffset % (8 * a) !== 0) return 1;
        }
        if (t.size % max !== 0) return 1;
        return max;
      }
      default:
        throw new BtfError(`type [${id}] (${t.kind}) has no alignment`);
    }
  }
  throw new BtfError(`type [${id}]: reference chain too long`);
}

/**
 * Size in bytes of a type after resolving modifiers, typedefs and arrays;
 * throws BtfError for kinds without a size (FUNC, FUNC_PROTO, FWD, VOID, ...).
 * @see btf__resolve_size (tools/lib/bpf/btf.c)
 */
export function resolveSize(btf: Btf, id: number, ptrSize = 8): number {
  let nelems = 1;
  for (let depth = 0; depth < 32; depth++) {
    const t = btf.type(id);
    let size: number | undefined;
    switch (t.kind) {
      case 'INT':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'DATASEC':
      case 'FLOAT':
        size = t.size;
        break;
      case 'PTR':
        size = ptrSize;
        break;
      case 'TYPEDEF':
      case 'VOLATILE':
      case 'CONST':
      case 'RESTRICT':
      case 'VAR':
      case 'DECL_TAG':
      case 'TYPE_TAG':
        id = t.type;
        continue;
      case 'ARRAY':
        if (nelems && t.nelems > 0xffffffff / nelems)
          throw new BtfError(`type [${id}]: array size overflows`);
        nelems *= t.nelems;
        id = t.type;
        continue;
      default:
        throw new BtfError(`type [${id}] (${t.kind}) has no size`);
    }
    const total = nelems * size;
    if (total > 0xffffffff) throw new BtfError(`type [${id}]: size overflows`);
    return total;
  }
  throw new BtfError(`type [${id}]: reference chain too long`);
}
