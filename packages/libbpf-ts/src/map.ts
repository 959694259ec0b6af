/**
 * A map of an opened object: its definition until load, its fd after.
 * @see struct bpf_map, bpf_map__* (tools/lib/bpf/libbpf.c)
 */
import { BPF_ANY, BpfError, BpfMapType, type Syscalls, strerror } from '@tsbpf/uapi';
import { LibbpfError } from './errors.js';
import type { MapDef } from './mapDefs.js';
import { prDebug, prWarn } from './print.js';

/** Size of struct bpf_map_info up to map_extra. */
export const BPF_MAP_INFO_SIZE = 88;

export class BpfMap {
  /** -1 until the object is loaded. @see bpf_map__fd */
  fd = -1;
  /** Whether the object's load creates this map. @see bpf_map__set_autocreate */
  autocreate = true;
  /** Where load() reuses or pins the map (LIBBPF_PIN_BY_NAME). @see bpf_map__pin_path */
  pinPath: string | undefined;
  /** True once pinned at pinPath (or reused from there). @see bpf_map__is_pinned */
  pinned = false;
  /** True when load() took over an already pinned map. */
  reused = false;

  constructor(
    /** @internal */ readonly def: MapDef,
    private readonly sys: () => Syscalls | undefined,
  ) {}

  /** @see bpf_map__name */
  get name(): string {
    return this.def.name;
  }
  /** The variable or section name, untruncated. */
  get realName(): string {
    return this.def.realName;
  }
  /** @see bpf_map__type */
  get type(): number {
    return this.def.type;
  }
  /** @see bpf_map__key_size */
  get keySize(): number {
    return this.def.keySize;
  }
  /** @see bpf_map__value_size */
  get valueSize(): number {
    return this.def.valueSize;
  }
  /** @see bpf_map__max_entries */
  get maxEntries(): number {
    return this.def.maxEntries;
  }
  /** @see bpf_map__map_flags */
  get mapFlags(): number {
    return this.def.mapFlags;
  }
  /** @see bpf_map__is_internal */
  get isInternal(): boolean {
    return this.def.kind !== 'user';
  }
  /** The global data section contents (before load, writable). @see bpf_map__initial_value */
  get initialValue(): Uint8Array | undefined {
    return this.def.initialValue;
  }

  /**
   * Replaces the initial contents of a global data map before load (e.g. a
   * `const volatile` setting in .rodata). The size must match.
   * @see bpf_map__set_initial_value
   */
  setInitialValue(data: Uint8Array): void {
    this.assertNotLoaded('initial value');
    if (this.def.initialValue === undefined || data.length !== this.def.valueSize) {
      throw new LibbpfError(
        'EINVAL',
        `map '${this.name}': initial value must be ${this.def.valueSize} bytes of a .data/.rodata map`,
      );
    }
    this.def.initialValue = data.slice();
  }

  private assertNotLoaded(what: string): void {
    if (this.fd >= 0) throw new LibbpfError('EBUSY', `map '${this.name}': can't set ${what} after load`);
  }
  /** @see bpf_map__set_max_entries */
  setMaxEntries(n: number): void {
    this.assertNotLoaded('max_entries');
    this.def.maxEntries = n;
  }
  /** @see bpf_map__set_value_size */
  setValueSize(n: number): void {
    this.assertNotLoaded('value_size');
    this.def.valueSize = n;
  }
  /** @see bpf_map__set_map_flags */
  setMapFlags(f: number): void {
    this.assertNotLoaded('map_flags');
    this.def.mapFlags = f;
  }

  private loadedSys(): Syscalls {
    const s = this.sys();
    if (!s || this.fd < 0) throw new LibbpfError('EINVAL', `map '${this.name}': not loaded`);
    return s;
  }
  /** @see bpf_map__lookup_elem */
  lookupElem(key: Uint8Array, flags = 0): Uint8Array {
    const value = new Uint8Array(this.valueSize);
    this.loadedSys().bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: this.fd, key, value, flags });
    return value;
  }
  /** @see bpf_map__update_elem */
  updateElem(key: Uint8Array, value: Uint8Array, flags: number = BPF_ANY): void {
    this.loadedSys().bpf('BPF_MAP_UPDATE_ELEM', { map_fd: this.fd, key, value, flags });
  }
  /** @see bpf_map__delete_elem */
  deleteElem(key: Uint8Array): void {
    this.loadedSys().bpf('BPF_MAP_DELETE_ELEM', { map_fd: this.fd, key });
  }
  /**
   * Pins the map at `path` (default: its pinPath). Pinning again at the same
   * path is a no-op, as libbpf.
   * @see bpf_map__pin
   */
  pin(path?: string): void {
    const sys = this.loadedSys();
    const where = path ?? this.pinPath;
    if (where === undefined) {
      prWarn('invalid map pin path');
      throw new LibbpfError('EINVAL', `map '${this.name}': no pin path`);
    }
    if (this.pinned) {
      if (where === this.pinPath) {
        prDebug(`map '${this.name}' already pinned at '${where}'; not re-pinning`);
        return;
      }
      prWarn(`map '${this.name}' already pinned at '${this.pinPath}'; cannot re-pin`);
      throw new LibbpfError('EINVAL', `map '${this.name}' already pinned at '${this.pinPath}'`);
    }
    try {
      sys.bpf('BPF_OBJ_PIN', { pathname: where, bpf_fd: this.fd });
    } catch (e) {
      if (e instanceof BpfError) prWarn(`failed to pin map: ${strerror(e.code)}`);
      throw e;
    }
    this.pinPath = where;
    this.pinned = true;
    prDebug(`pinned map '${where}'`);
  }

  /** Removes the pin. @see bpf_map__unpin */
  unpin(): void {
    const sys = this.sys();
    if (!sys || this.pinPath === undefined)
      throw new LibbpfError('EINVAL', `map '${this.name}': no pin path`);
    sys.unlink(this.pinPath);
    this.pinned = false;
    prDebug(`unpinned map '${this.name}' from '${this.pinPath}'`);
  }
}

/** The reuse check of a pinned map against the definition. @see map_is_reuse_compat */
function reuseCompatible(map: BpfMap, info: DataView): boolean {
  const d = map.def;
  let maxEntries = d.maxEntries;
  // perf event arrays are sized by CPU count at creation
  if (d.type === BpfMapType.BPF_MAP_TYPE_PERF_EVENT_ARRAY && maxEntries === 0)
    maxEntries = info.getUint32(16, true);
  return (
    info.getUint32(0, true) === d.type &&
    info.getUint32(8, true) === d.keySize &&
    info.getUint32(12, true) === d.valueSize &&
    info.getUint32(16, true) === maxEntries &&
    info.getUint32(20, true) === d.mapFlags &&
    info.getBigUint64(80, true) === d.mapExtra
  );
}

/**
 * Takes over the map pinned at map.pinPath when there is one and it is
 * compatible; leaves map.fd at -1 when nothing is pinned there.
 * @see bpf_object__reuse_map
 */
export function reusePinnedMap(sys: Syscalls, map: BpfMap): void {
  const path = map.pinPath!;
  let fd: number;
  try {
    fd = sys.bpf('BPF_OBJ_GET', { pathname: path, file_flags: 0 });
  } catch (e) {
    if (e instanceof BpfError && e.errno === 'ENOENT') {
      prDebug(`found no pinned map to reuse at '${path}'`);
      return;
    }
    const why = e instanceof BpfError ? strerror(e.code) : String(e);
    prWarn(`couldn't retrieve pinned map '${path}': ${why}`);
    throw e;
  }
  const info = new Uint8Array(BPF_MAP_INFO_SIZE);
  let ok = false;
  try {
    sys.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info_len: info.length, info });
    ok = reuseCompatible(map, new DataView(info.buffer));
  } catch {
    ok = false;
  }
  if (!ok) {
    prWarn(`couldn't reuse pinned map at '${path}': parameter mismatch`);
    sys.close(fd);
    throw new LibbpfError('EINVAL', `couldn't reuse pinned map at '${path}': parameter mismatch`);
  }
  map.fd = fd;
  map.pinned = true;
  map.reused = true;
  prDebug(`reused pinned map at '${path}'`);
}
