import type { Btf } from './btf.js';
import { BtfError } from './btf.js';
import type { BtfType } from './types.js';

function refs(t: BtfType): [string, number][] {
  switch (t.kind) {
    case 'PTR':
    case 'TYPEDEF':
    case 'VOLATILE':
    case 'CONST':
    case 'RESTRICT':
    case 'TYPE_TAG':
    case 'FUNC':
    case 'VAR':
    case 'DECL_TAG':
      return [['type', t.type]];
    case 'ARRAY':
      return [
        ['type', t.type],
        ['index_type', t.indexType],
      ];
    case 'STRUCT':
    case 'UNION':
      return t.members.map((m, i) => [`member ${i} '${m.name}'`, m.type]);
    case 'FUNC_PROTO':
      return [['return type', t.returnType] as [string, number]].concat(
        t.params.map((p, i) => [`param ${i} '${p.name}'`, p.type] as [string, number]),
      );
    case 'DATASEC':
      return t.vars.map((v, i) => [`var ${i}`, v.type]);
    default:
      return [];
  }
}

/**
 * Structural checks of a BTF model: every referenced type id exists, FUNCs
 * point at FUNC_PROTOs, DATASEC entries at VARs (or FUNCs), bitfields only
 * in kind_flag structs. Throws BtfError naming the first bad type. The
 * kernel's stricter checks are `checkBtfLoad`.
 */
export function validateBtf(btf: Btf): void {
  btf.types.forEach((t, i) => {
    const id = btf.startId + i;
    const where = `type [${id}] ${t.kind} '${t.name}'`;
    for (const [what, ref] of refs(t)) {
      if (ref >= btf.endId) throw new BtfError(`${where}: ${what} references missing type ${ref}`);
    }
    if (t.kind === 'FUNC' && btf.type(t.type).kind !== 'FUNC_PROTO')
      throw new BtfError(`${where}: type ${t.type} is not a FUNC_PROTO`);
    if (t.kind === 'DATASEC')
      for (const v of t.vars) {
        const k = btf.type(v.type).kind;
        if (k !== 'VAR' && k !== 'FUNC')
          throw new BtfError(`${where}: entry type ${v.type} is a ${k}, not a VAR`);
      }
    if ((t.kind === 'STRUCT' || t.kind === 'UNION') && !t.kflag && t.members.some((m) => m.bitfieldSize))
      throw new BtfError(`${where}: bitfield member without kind_flag`);
  });
}
