/**
 * The bpf() system call: Linux's checks, in Linux's order, with Linux's
 * errnos (kernel/bpf/syscall.c), dispatched per command.
 * @see https://github.com/torvalds/linux/blob/master/kernel/bpf/syscall.c
 */
import {
  BPF_F_RDONLY,
  BPF_F_REPLACE,
  BPF_F_WRONLY,
  BPF_OBJ_NAME_LEN,
  type BpfAttrMap,
  type BpfCmdName,
  BpfError,
  BpfMapType,
  type GetIdAttr,
  type InfoByFdAttr,
  type MapCreateAttr,
  type MapElemAttr,
  O_CLOEXEC,
} from '@tsbpf/uapi';
import type { KFile } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { bpfObjGet, bpfObjPin } from './bpffs.js';
import { btfLoad } from './btfLoad.js';
import { ArrayMap, type BpfMap, checkMapCreate, HashMap } from './map.js';
import { BpfLink, type BpfObject, type BpfProg, type BtfObj } from './objects.js';
import { bpfProgLoad } from './progLoad.js';

/** FMODE bits a bpf fd carries (bpf_get_file_flag). */
export const FMODE_READ = 1;
export const FMODE_WRITE = 2;

/** private_data of a bpf object file. */
export interface BpfFilePriv {
  bpf: BpfObject;
  showFdinfo(): string;
}

const ANON_NAMES = { prog: 'bpf-prog', map: 'bpf-map', link: 'bpf_link', btf: 'btf' } as const;

/** Makes a new fd for a bpf object (the fd owns the reference passed in). */
export function bpfObjNewFd(k: Kernel, proc: Process, obj: BpfObject, flags = O_CLOEXEC | 2): number {
  const priv: BpfFilePriv = { bpf: obj, showFdinfo: () => showFdinfo(k, obj) };
  const file = k.anonInodeFile(ANON_NAMES[obj.kind], { release: () => k.bpf.objPut(obj) }, flags, priv);
  return proc.installFd(file, true);
}

function objOf(k: Kernel, f: KFile): BpfObject | undefined {
  return k.bpfObjectOf(f);
}

/** __bpf_map_get: EBADF for a bad fd, EINVAL for a non-map fd. */
export function fdToMap(k: Kernel, proc: Process, fd: number): { map: BpfMap; file: KFile } {
  const file = proc.fdget(fd);
  const o = objOf(k, file);
  if (o?.kind !== 'map') throw new BpfError('EINVAL');
  return { map: o.map, file };
}

/** bpf_prog_get: EBADF / EINVAL. */
export function fdToProg(k: Kernel, proc: Process, fd: number): BpfProg {
  const o = objOf(k, proc.fdget(fd));
  if (o?.kind !== 'prog') throw new BpfError('EINVAL');
  return o.prog;
}

/** bpf_link_get_from_fd: EBADF / EINVAL. */
export function fdToLink(k: Kernel, proc: Process, fd: number): BpfLink {
  const o = objOf(k, proc.fdget(fd));
  if (o?.kind !== 'link') throw new BpfError('EINVAL');
  return o.link;
}

/** bpf_obj_name_cpy: alnum, '_' and '.', NUL within BPF_OBJ_NAME_LEN. */
export function objNameCpy(name: string | undefined): string {
  if (!name) return '';
  if (name.length >= BPF_OBJ_NAME_LEN) throw new BpfError('EINVAL');
  if (!/^[A-Za-z0-9_.]*$/.test(name)) throw new BpfError('EINVAL');
  return name;
}

export function bpfSyscall<C extends BpfCmdName>(
  k: Kernel,
  proc: Process,
  cmd: C,
  attr: BpfAttrMap[C],
): number {
  const handler = COMMANDS[cmd] as ((k: Kernel, p: Process, a: BpfAttrMap[C]) => number) | undefined;
  if (!handler) throw new BpfError('EINVAL', `bpf command ${cmd} is not supported`);
  return handler(k, proc, attr);
}

function mapCreate(k: Kernel, proc: Process, attr: MapCreateAttr): number {
  const name = objNameCpy(attr.map_name);
  checkMapCreate(attr);
  const obj = k.alloc('bpf_map');
  const host = {
    allocBytes: (n: number, nm: string) => k.allocBytes(n, nm),
    freeBytes: (a: bigint) => k.free(a),
    readBytes: (a: bigint, n: number) => k.mem.readBytes(a, n),
    writeBytes: (a: bigint, d: Uint8Array) => k.mem.writeBytes(a, d),
  };
  const a = { ...attr, map_name: name };
  const map =
    attr.map_type === BpfMapType.BPF_MAP_TYPE_ARRAY ? new ArrayMap(host, obj, a) : new HashMap(host, obj, a);
  map.setId(k.bpfIds.maps.alloc(map));
  k.bpf.trackMap(map);
  const flags = attr.map_flags ?? 0;
  const acc = flags & BPF_F_RDONLY ? 0 : flags & BPF_F_WRONLY ? 1 : 2;
  return bpfObjNewFd(k, proc, { kind: 'map', map }, O_CLOEXEC | acc);
}

/** map_get_sys_perms: the fd's mode, minus write when the map is frozen. */
function canRead(f: KFile): boolean {
  return (f.obj.getNumber('f_mode') & FMODE_READ) !== 0;
}
function canWrite(f: KFile, m: BpfMap): boolean {
  return (f.obj.getNumber('f_mode') & FMODE_WRITE) !== 0 && !m.frozen;
}

function keyOf(m: BpfMap, key: Uint8Array | undefined): Uint8Array {
  if (!key || key.length < m.keySize) throw new BpfError('EFAULT');
  return key.subarray(0, m.keySize);
}

function mapLookup(k: Kernel, proc: Process, attr: MapElemAttr): number {
  const flags = Number(attr.flags ?? 0);
  if (flags & ~4) throw new BpfError('EINVAL');
  const { map, file } = fdToMap(k, proc, attr.map_fd);
  if (!canRead(file)) throw new BpfError('EPERM');
  if (flags & 4) throw new BpfError('EINVAL');
  const v = map.lookup(keyOf(map, attr.key));
  if (!v) throw new BpfError('ENOENT');
  if (!attr.value || attr.value.length < map.valueSize) throw new BpfError('EFAULT');
  attr.value.set(v);
  return 0;
}

function mapUpdate(k: Kernel, proc: Process, attr: MapElemAttr): number {
  const { map, file } = fdToMap(k, proc, attr.map_fd);
  if (!canWrite(file, map)) throw new BpfError('EPERM');
  const key = keyOf(map, attr.key);
  if (!attr.value || attr.value.length < map.valueSize) throw new BpfError('EFAULT');
  map.update(key, attr.value, Number(attr.flags ?? 0));
  return 0;
}

function mapDelete(k: Kernel, proc: Process, attr: MapElemAttr): number {
  const { map, file } = fdToMap(k, proc, attr.map_fd);
  if (!canWrite(file, map)) throw new BpfError('EPERM');
  map.delete(keyOf(map, attr.key));
  return 0;
}

function mapNextKey(k: Kernel, proc: Process, attr: MapElemAttr): number {
  const { map, file } = fdToMap(k, proc, attr.map_fd);
  if (!canRead(file)) throw new BpfError('EPERM');
  const key = attr.key && attr.key.length > 0 ? keyOf(map, attr.key) : undefined;
  const next = map.nextKey(key);
  if (!attr.next_key || attr.next_key.length < map.keySize) throw new BpfError('EFAULT');
  attr.next_key.set(next);
  return 0;
}

function mapFreeze(k: Kernel, proc: Process, attr: { map_fd: number }): number {
  const { map, file } = fdToMap(k, proc, attr.map_fd);
  if (map.frozen) throw new BpfError('EBUSY');
  if (!(file.obj.getNumber('f_mode') & FMODE_WRITE)) throw new BpfError('EPERM');
  map.freeze();
  return 0;
}

function linkCreate(k: Kernel, proc: Process, attr: BpfAttrMap['BPF_LINK_CREATE']): number {
  const prog = fdToProg(k, proc, attr.prog_fd);
  const ops = k.registry.findLinkType(prog.type, attr.attach_type);
  if (!ops) throw new BpfError('EINVAL');
  if (prog.expectedAttachType !== attr.attach_type) throw new BpfError('EINVAL');
  // bpf_link_prime: the id exists before the target's attach hook runs.
  const obj = k.alloc('bpf_link');
  const placeholder = {} as BpfLink;
  const id = k.bpfIds.links.alloc(placeholder);
  let impl: ReturnType<typeof ops.create>;
  try {
    impl = ops.create({ kernel: k, prog, attr, caller: proc, linkId: id });
  } catch (e) {
    k.bpfIds.links.remove(id);
    k.free(obj.addr);
    throw e;
  }
  const link = new BpfLink(obj, ops, k.bpf.progGet(prog), impl, attr);
  link.id = id;
  link.iterMap = iterInfoMap(k, proc, attr);
  k.bpfIds.links.objects.set(id, link);
  obj.set('id', id);
  obj.set('type', ops.linkType);
  obj.set('prog', prog.addr);
  obj.set('refcnt.counter', 1);
  return bpfObjNewFd(k, proc, { kind: 'link', link });
}

/** union bpf_iter_link_info.map.map_fd (offset 0), when it names a map of the caller. */
function iterInfoMap(k: Kernel, proc: Process, attr: BpfAttrMap['BPF_LINK_CREATE']): BpfMap | undefined {
  const info = attr.iter_info;
  if (!info || info.length < 4) return undefined;
  const fd = new DataView(info.buffer, info.byteOffset, 4).getUint32(0, true);
  const f = proc.task.files?.files.get(fd);
  const o = f ? k.bpfObjectOf(f) : undefined;
  return o?.kind === 'map' ? o.map : undefined;
}

function linkUpdate(k: Kernel, proc: Process, attr: BpfAttrMap['BPF_LINK_UPDATE']): number {
  const flags = attr.flags ?? 0;
  if (flags & ~BPF_F_REPLACE) throw new BpfError('EINVAL');
  const link = fdToLink(k, proc, attr.link_fd);
  const newProg = fdToProg(k, proc, attr.new_prog_fd);
  let oldProg: BpfProg | undefined;
  if (flags & BPF_F_REPLACE) {
    oldProg = fdToProg(k, proc, attr.old_prog_fd ?? 0);
  } else if (attr.old_prog_fd) {
    throw new BpfError('EINVAL');
  }
  if (!link.impl.update) throw new BpfError('EINVAL');
  link.impl.update(newProg, oldProg);
  const prev = link.prog;
  link.prog = k.bpf.progGet(newProg);
  link.obj.set('prog', newProg.addr);
  k.bpf.progPut(prev);
  return 0;
}

function linkDetach(k: Kernel, proc: Process, attr: BpfAttrMap['BPF_LINK_DETACH']): number {
  const link = fdToLink(k, proc, attr.link_fd);
  if (!link.impl.detach) throw new BpfError('EOPNOTSUPP');
  link.impl.detach();
  return 0;
}

function iterCreate(k: Kernel, proc: Process, attr: BpfAttrMap['BPF_ITER_CREATE']): number {
  if (attr.flags) throw new BpfError('EINVAL');
  const link = fdToLink(k, proc, attr.link_fd);
  if (!link.impl.iterCreate) throw new BpfError('EINVAL');
  return proc.installFd(link.impl.iterCreate(proc), true);
}

/** bpf_check_uarg_tail_zero + min(sizeof, info_len). */
function infoLen(attr: InfoByFdAttr, size: number): number {
  if (attr.info_len > 4096) throw new BpfError('E2BIG');
  for (let i = size; i < Math.min(attr.info_len, attr.info.length); i++) {
    if (attr.info[i] !== 0) throw new BpfError('E2BIG');
  }
  return Math.min(size, attr.info_len);
}

export const BPF_LINK_INFO_SIZE = 48;
export const BPF_MAP_INFO_SIZE = 88;
export const BPF_PROG_INFO_SIZE = 232;

/** User buffers behind the u64 pointers inside info structs, keyed by the pointer value. */
export type UserBuffers = ReadonlyMap<bigint, Uint8Array>;

function objGetInfo(k: Kernel, proc: Process, attr: InfoByFdAttr): number {
  const o = objOf(k, proc.fdget(attr.bpf_fd));
  if (!o) throw new BpfError('EINVAL');
  const ubufs = (attr as InfoByFdAttr & { ubufs?: UserBuffers }).ubufs;
  const size =
    o.kind === 'link'
      ? BPF_LINK_INFO_SIZE
      : o.kind === 'map'
        ? BPF_MAP_INFO_SIZE
        : o.kind === 'prog'
          ? BPF_PROG_INFO_SIZE
          : 32;
  const len = infoLen(attr, size);
  const buf = new Uint8Array(size);
  buf.set(attr.info.subarray(0, len));
  const dv = new DataView(buf.buffer);
  if (o.kind === 'link') {
    const userPtr = dv.getBigUint64(16, true);
    const l = o.link;
    buf.fill(0, 0, 16);
    dv.setUint32(0, l.type, true);
    dv.setUint32(4, l.id, true);
    dv.setUint32(8, l.prog.id, true);
    l.impl.fillInfo?.(dv, len, userPtr ? ubufs?.get(userPtr) : undefined);
  } else if (o.kind === 'map') {
    const m = o.map;
    buf.fill(0);
    dv.setUint32(0, m.type, true);
    dv.setUint32(4, m.id, true);
    dv.setUint32(8, m.keySize, true);
    dv.setUint32(12, m.valueSize, true);
    dv.setUint32(16, m.maxEntries, true);
    dv.setUint32(20, m.flags, true);
    buf.set(new TextEncoder().encode(m.name), 24);
    dv.setUint32(68, m.btfKeyTypeId, true);
    dv.setUint32(72, m.btfValueTypeId, true);
    dv.setBigUint64(80, m.attr.map_extra ?? 0n, true);
  } else if (o.kind === 'prog') {
    fillProgInfo(o.prog, dv, buf, ubufs);
  } else {
    buf.fill(0);
    dv.setUint32(8, o.btf.bytes.length, true);
    dv.setUint32(12, o.btf.id, true);
  }
  attr.info.set(buf.subarray(0, len));
  attr.info_len = len;
  return 0;
}

function fillProgInfo(p: BpfProg, dv: DataView, buf: Uint8Array, ubufs: UserBuffers | undefined): void {
  const mapIdsPtr = dv.getBigUint64(56, true);
  const nrMapIds = dv.getUint32(52, true);
  const xlatedPtr = dv.getBigUint64(32, true);
  const xlatedLen = dv.getUint32(20, true);
  buf.fill(0);
  dv.setUint32(0, p.type, true);
  dv.setUint32(4, p.id, true);
  for (let i = 0; i < 8; i++) dv.setUint8(8 + i, Number.parseInt(p.tag.slice(i * 2, i * 2 + 2), 16));
  dv.setUint32(20, p.origInsns.length, true);
  if (xlatedPtr && xlatedLen)
    ubufs?.get(xlatedPtr)?.set(p.origInsns.subarray(0, Math.min(xlatedLen, p.origInsns.length)));
  dv.setBigUint64(24, 0n, true);
  dv.setBigUint64(40, p.loadTime, true);
  dv.setUint32(52, p.usedMaps.length, true);
  const ids = mapIdsPtr ? ubufs?.get(mapIdsPtr) : undefined;
  if (ids) {
    const idv = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
    p.usedMaps.slice(0, nrMapIds).forEach((m, i) => {
      idv.setUint32(i * 4, m.id, true);
    });
  }
  dv.setBigUint64(56, mapIdsPtr, true);
  dv.setBigUint64(32, xlatedPtr, true);
  buf.set(new TextEncoder().encode(p.name), 64);
  dv.setUint32(84, p.gplCompatible ? 1 : 0, true);
  dv.setUint32(216, p.insns.length, true);
  dv.setUint32(224, p.attachBtfId, true);
}

type IdKind = 'progs' | 'maps' | 'links' | 'btfs';
function getNextId(kind: IdKind) {
  return (k: Kernel, _p: Process, attr: GetIdAttr): number => {
    const next = k.bpfIds[kind].nextId(attr.start_id ?? 0);
    if (next === undefined) throw new BpfError('ENOENT');
    attr.next_id = next;
    return 0;
  };
}
function getFdById(kind: IdKind, field: 'prog_id' | 'map_id' | 'link_id' | 'btf_id') {
  return (k: Kernel, p: Process, attr: GetIdAttr): number => {
    if (kind === 'maps' && (attr.open_flags ?? 0) & ~(BPF_F_RDONLY | BPF_F_WRONLY))
      throw new BpfError('EINVAL');
    const id = attr[field] ?? 0;
    const o = k.bpfIds[kind].get(id);
    if (!o || (kind === 'links' && !(o as BpfLink).ops)) throw new BpfError('ENOENT');
    const obj: BpfObject =
      kind === 'progs'
        ? { kind: 'prog', prog: o as BpfProg }
        : kind === 'maps'
          ? { kind: 'map', map: o as BpfMap }
          : kind === 'links'
            ? { kind: 'link', link: o as BpfLink }
            : { kind: 'btf', btf: o as BtfObj };
    k.bpf.objGet(obj);
    return bpfObjNewFd(k, p, obj);
  };
}

/** show_fdinfo of bpf object files. */
export function showFdinfo(k: Kernel, o: BpfObject): string {
  if (o.kind === 'link') {
    const l = o.link;
    let s = `link_type:\t${l.ops.name}\nlink_id:\t${l.id}\nprog_tag:\t${l.prog.tag}\nprog_id:\t${l.prog.id}\n`;
    if (l.impl.fdinfo) s += l.impl.fdinfo();
    return s;
  }
  if (o.kind === 'map') {
    const m = o.map;
    const memlock =
      m instanceof ArrayMap ? m.elemSize * m.maxEntries : (m.keySize + m.valueSize) * m.maxEntries;
    return (
      `map_type:\t${m.type}\nkey_size:\t${m.keySize}\nvalue_size:\t${m.valueSize}\nmax_entries:\t${m.maxEntries}\n` +
      `map_flags:\t0x${m.flags.toString(16)}\nmap_extra:\t0x${(m.attr.map_extra ?? 0n).toString(16)}\n` +
      `memlock:\t${Math.ceil(memlock / 4096) * 4096}\nmap_id:\t${m.id}\nfrozen:\t${m.frozen ? 1 : 0}\n`
    );
  }
  if (o.kind === 'prog') {
    const p = o.prog;
    return (
      `prog_type:\t${p.type}\nprog_jited:\t0\nprog_tag:\t${p.tag}\nmemlock:\t4096\nprog_id:\t${p.id}\n` +
      `run_time_ns:\t0\nrun_cnt:\t0\nrecursion_misses:\t0\nverified_insns:\t${p.insns.length}\n`
    );
  }
  void k;
  return `btf_id:\t${o.btf.id}\n`;
}

const COMMANDS: { [C in BpfCmdName]?: (k: Kernel, p: Process, a: BpfAttrMap[C]) => number } = {
  BPF_MAP_CREATE: mapCreate,
  BPF_MAP_LOOKUP_ELEM: mapLookup,
  BPF_MAP_UPDATE_ELEM: mapUpdate,
  BPF_MAP_DELETE_ELEM: mapDelete,
  BPF_MAP_GET_NEXT_KEY: mapNextKey,
  BPF_MAP_FREEZE: mapFreeze,
  BPF_PROG_LOAD: bpfProgLoad,
  BPF_OBJ_PIN: bpfObjPin,
  BPF_OBJ_GET: bpfObjGet,
  BPF_BTF_LOAD: btfLoad,
  BPF_LINK_CREATE: linkCreate,
  BPF_LINK_UPDATE: linkUpdate,
  BPF_LINK_DETACH: linkDetach,
  BPF_ITER_CREATE: iterCreate,
  BPF_OBJ_GET_INFO_BY_FD: objGetInfo,
  BPF_PROG_GET_NEXT_ID: getNextId('progs'),
  BPF_MAP_GET_NEXT_ID: getNextId('maps'),
  BPF_LINK_GET_NEXT_ID: getNextId('links'),
  BPF_BTF_GET_NEXT_ID: getNextId('btfs'),
  BPF_PROG_GET_FD_BY_ID: getFdById('progs', 'prog_id'),
  BPF_MAP_GET_FD_BY_ID: getFdById('maps', 'map_id'),
  BPF_LINK_GET_FD_BY_ID: getFdById('links', 'link_id'),
  BPF_BTF_GET_FD_BY_ID: getFdById('btfs', 'btf_id'),
};
