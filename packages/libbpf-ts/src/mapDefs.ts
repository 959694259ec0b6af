/**
 * Map definitions found at open time: BTF-defined maps in `.maps`, legacy
 * `maps` section definitions, and the internal maps libbpf makes for global
 * data sections.
 *
 * @see bpf_object__init_user_btf_maps, parse_btf_map_def, bpf_object__init_global_data_maps,
 *      internal_map_name (tools/lib/bpf/libbpf.c)
 */
import type { Btf } from '@tsbpf/btf';
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, BPF_OBJ_NAME_LEN, BpfMapType } from '@tsbpf/uapi';

/** libbpf_map_type: what a map stands for. */
export type MapKind = 'user' | 'data' | 'bss' | 'rodata' | 'kconfig';

/** LIBBPF_PIN_* */
export const LIBBPF_PIN_NONE = 0;
export const LIBBPF_PIN_BY_NAME = 1;

export interface MapDef {
  /** Name used for BPF_MAP_CREATE (internal maps: truncated with the object prefix). */
  name: string;
  /** Full name: the variable name, or the section name for global data. */
  realName: string;
  kind: MapKind;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  numaNode: number;
  mapExtra: bigint;
  pinning: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** ELF section the map lives in, and its offset there. */
  secIdx: number;
  secOffset: number;
  /** Initial contents of global data maps (not .bss). */
  initialValue: Uint8Array | undefined;
  /** Inner map prototype for map-in-map definitions. */
  innerMap: MapDef | undefined;
}

export class MapDefError extends Error {
  override name = 'MapDefError';
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Name of an internal map: up to 8 characters of the object name and the
 * section name, 15 characters at most; sections with a second dot (e.g.
 * `.rodata.str1.1`) keep no object prefix. Characters other than
 * alphanumerics, '_' and '.' become '_'.
 * @see internal_map_name
 */
export function internalMapName(objName: string, realName: string): string {
  const sfxLen = Math.max(7, realName.length);
  const pfxLen = realName.indexOf('.', 1) >= 0 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objName.length);
  const name = (objName.slice(0, Math.max(0, pfxLen)) + realName.slice(0, sfxLen)).slice(
    0,
    BPF_OBJ_NAME_LEN - 1,
  );
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

/** The section kind of a global data section name, or undefined. */
export function dataSectionKind(name: string, isNobits: boolean, isWritable: boolean): MapKind | undefined {
  if (name === '.data' || name.startsWith('.data.')) return 'data';
  if (name === '.rodata' || name.startsWith('.rodata.')) return 'rodata';
  if (name === '.bss' || name.startsWith('.bss.')) return isNobits ? 'bss' : 'data';
  if (isNobits && isWritable) return undefined;
  return undefined;
}

/** An internal (global data) map for a section. @see bpf_object__init_internal_map */
export function internalMapDef(
  objName: string,
  kind: MapKind,
  secName: string,
  secIdx: number,
  size: number,
  data: Uint8Array | undefined,
  btf: Btf | undefined,
): MapDef {
  const datasecId = btf?.findByName(secName, 'DATASEC');
  return {
    name: internalMapName(objName, secName),
    realName: secName,
    kind,
    type: BpfMapType.BPF_MAP_TYPE_ARRAY,
    keySize: 4,
    valueSize: size,
    maxEntries: 1,
    mapFlags: (kind === 'rodata' || kind === 'kconfig' ? BPF_F_RDONLY_PROG : 0) | BPF_F_MMAPABLE,
    numaNode: 0,
    mapExtra: 0n,
    pinning: LIBBPF_PIN_NONE,
    btfKeyTypeId: 0,
    btfValueTypeId: datasecId ?? 0,
    secIdx,
    secOffset: 0,
    initialValue: kind === 'bss' ? undefined : (data ?? new Uint8Array(size)).slice(),
    innerMap: undefined,
  };
}

/** `__uint(name, N)` is encoded as `int (*name)[N]`: returns N. @see get_map_field_int */
function mapFieldInt(btf: Btf, mapName: string, member: { name: string; type: number }): number {
  const t = btf.type(btf.skipModsAndTypedefs(member.type));
  if (t.kind !== 'PTR') {
    throw new MapDefError(
      22,
      `map '${mapName}': attr '${member.name}': expected PTR, got ${t.kind.toLowerCase()}.`,
    );
  }
  const arr = btf.type(t.type);
  if (arr.kind !== 'ARRAY') {
    throw new MapDefError(22, `map '${mapName}': attr '${member.name}': type [${t.type}] is not an array.`);
  }
  return arr.nelems;
}

/** `__type(name, T)` is `T *name`: returns T's id and size. */
function mapFieldType(
  btf: Btf,
  mapName: string,
  member: { name: string; type: number },
): { id: number; size: number } {
  const t = btf.type(btf.skipModsAndTypedefs(member.type));
  if (t.kind !== 'PTR') {
    throw new MapDefError(22, `map '${mapName}': ${member.name} spec is not PTR: ${t.kind.toLowerCase()}.`);
  }
  let size: number;
  try {
    size = btf.sizeof(t.type);
  } catch {
    throw new MapDefError(22, `map '${mapName}': can't determine ${member.name} size for type [${t.type}].`);
  }
  return { id: t.type, size };
}

/**
 * Parses one BTF map definition struct (the VAR's type in `.maps`).
 * @see parse_btf_map_def
 */
export function parseBtfMapDef(
  btf: Btf,
  mapName: string,
  defTypeId: number,
  isInner = false,
  debug: (msg: string) => void = () => {},
): MapDef {
  const def: MapDef = {
    name: mapName,
    realName: mapName,
    kind: 'user',
    type: 0,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    mapFlags: 0,
    numaNode: 0,
    mapExtra: 0n,
    pinning: LIBBPF_PIN_NONE,
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    secIdx: 0,
    secOffset: 0,
    initialValue: undefined,
    innerMap: undefined,
  };
  const parts = new Set<string>();
  const st = btf.type(btf.skipModsAndTypedefs(defTypeId));
  if (st.kind !== 'STRUCT') {
    throw new MapDefError(22, `map '${mapName}': unexpected def kind ${st.kind.toLowerCase()}.`);
  }
  for (const m of st.members) {
    parts.add(m.name);
    switch (m.name) {
      case 'type':
        def.type = mapFieldInt(btf, mapName, m);
        break;
      case 'max_entries':
        def.maxEntries = mapFieldInt(btf, mapName, m);
        break;
      case 'map_flags':
        def.mapFlags = mapFieldInt(btf, mapName, m);
        break;
      case 'numa_node':
        def.numaNode = mapFieldInt(btf, mapName, m);
        break;
      case 'key_size': {
        const sz = mapFieldInt(btf, mapName, m);
        if (def.keySize && def.keySize !== sz) {
          throw new MapDefError(22, `map '${mapName}': conflicting key size ${def.keySize} != ${sz}.`);
        }
        def.keySize = sz;
        break;
      }
      case 'key': {
        const k = mapFieldType(btf, mapName, m);
        if (def.keySize && def.keySize !== k.size) {
          throw new MapDefError(22, `map '${mapName}': conflicting key size ${def.keySize} != ${k.size}.`);
        }
        def.keySize = k.size;
        def.btfKeyTypeId = k.id;
        break;
      }
      case 'value_size': {
        const sz = mapFieldInt(btf, mapName, m);
        if (def.valueSize && def.valueSize !== sz) {
          throw new MapDefError(22, `map '${mapName}': conflicting value size ${def.valueSize} != ${sz}.`);
        }
        def.valueSize = sz;
        break;
      }
      case 'value': {
        const v = mapFieldType(btf, mapName, m);
        if (def.valueSize && def.valueSize !== v.size) {
          throw new MapDefError(
            22,
            `map '${mapName}': conflicting value size ${def.valueSize} != ${v.size}.`,
          );
        }
        def.valueSize = v.size;
        def.btfValueTypeId = v.id;
        break;
      }
      case 'values': {
        // map-in-map: `__array(values, struct inner_def)` is a zero-length array of pointers to the inner def.
        if (isInner) throw new MapDefError(22, `map '${mapName}': multi-level inner maps not supported.`);
        const arr = btf.type(btf.skipModsAndTypedefs(m.type));
        if (arr.kind !== 'ARRAY' || arr.nelems !== 0) {
          throw new MapDefError(22, `map '${mapName}': value type must be zero-sized array.`);
        }
        const ptr = btf.type(btf.skipModsAndTypedefs(arr.type));
        if (ptr.kind !== 'PTR')
          throw new MapDefError(22, `map '${mapName}': value type must be array of pointers.`);
        def.innerMap = parseBtfMapDef(btf, `${mapName}.inner`, ptr.type, true);
        def.valueSize = 4;
        break;
      }
      case 'pinning': {
        const v = mapFieldInt(btf, mapName, m);
        if (v !== LIBBPF_PIN_NONE && v !== LIBBPF_PIN_BY_NAME) {
          throw new MapDefError(22, `map '${mapName}': invalid pinning value ${v}.`);
        }
        def.pinning = v;
        break;
      }
      case 'map_extra':
        def.mapExtra = BigInt(mapFieldInt(btf, mapName, m));
        break;
      default:
        break;
    }
  }
  // libbpf prints what it found in a fixed order (fill_map_from_def).
  debug(`map '${mapName}': found type = ${def.type}.`);
  if (parts.has('key')) debug(`map '${mapName}': found key [${def.btfKeyTypeId}], sz = ${def.keySize}.`);
  else if (parts.has('key_size')) debug(`map '${mapName}': found key_size = ${def.keySize}.`);
  if (parts.has('value'))
    debug(`map '${mapName}': found value [${def.btfValueTypeId}], sz = ${def.valueSize}.`);
  else if (parts.has('value_size')) debug(`map '${mapName}': found value_size = ${def.valueSize}.`);
  if (parts.has('max_entries')) debug(`map '${mapName}': found max_entries = ${def.maxEntries}.`);
  if (parts.has('map_flags')) debug(`map '${mapName}': found map_flags = 0x${def.mapFlags.toString(16)}.`);
  if (parts.has('pinning')) debug(`map '${mapName}': found pinning = ${def.pinning}.`);
  if (parts.has('numa_node')) debug(`map '${mapName}': found numa_node = ${def.numaNode}.`);
  if (def.innerMap) debug(`map '${mapName}': found inner map definition.`);
  if (def.type === BpfMapType.BPF_MAP_TYPE_UNSPEC) {
    throw new MapDefError(22, `map '${mapName}': map type isn't specified.`);
  }
  return def;
}

/** Size of a legacy `struct bpf_map_def` record. @see struct bpf_map_def */
export const LEGACY_MAP_DEF_SIZE = 20;

/** Parses a legacy `maps` section entry (type, key_size, value_size, max_entries, map_flags). */
export function parseLegacyMapDef(name: string, data: Uint8Array, offset: number): MapDef {
  const dv = new DataView(data.buffer, data.byteOffset + offset, LEGACY_MAP_DEF_SIZE);
  return {
    name,
    realName: name,
    kind: 'user',
    type: dv.getUint32(0, true),
    keySize: dv.getUint32(4, true),
    valueSize: dv.getUint32(8, true),
    maxEntries: dv.getUint32(12, true),
    mapFlags: dv.getUint32(16, true),
    numaNode: 0,
    mapExtra: 0n,
    pinning: LIBBPF_PIN_NONE,
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
    secIdx: 0,
    secOffset: offset,
    initialValue: undefined,
    innerMap: undefined,
  };
}
