/**
 * A map of an opened object: its definition until load, its fd after.
 * @see struct bpf_map, bpf_map__* (tools/lib/bpf/libbpf.c)
 */
import { BPF_ANY, type Syscalls } from '@tsbpf/uapi';
import { LibbpfError } from './errors.js';
import type { MapDef } from './mapDefs.js';

export class BpfMap {
  /** -1 until the object is loaded. @see bpf_map__fd */
  fd = -1;
  /** Whether the object's load creates this map. @see bpf_map__set_autocreate */
  autocreate = true;

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
  /** @see bpf_map__pin */
  pin(path: string): void {
    this.loadedSys().bpf('BPF_OBJ_PIN', { pathname: path, bpf_fd: this.fd });
  }
}
