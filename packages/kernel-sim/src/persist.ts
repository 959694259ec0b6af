/**
 * Persistence of a machine across processes (bpftool-ts invocations): the
 * world it booted from plus the bpf objects kept alive by pins, as a journal
 * of the system calls that created them (map create + contents + freeze,
 * prog load, link create, pins, bpffs directories), replayed with the same
 * ids. Damaged state is an error, never replaced.
 */
import { BpfError, type MapCreateAttr, type ProgLoadAttr } from '@tsbpf/uapi';
import type { BpfMap } from './bpf/map.js';
import type { BpfLink, BpfObject, BpfProg } from './bpf/objects.js';
import { type Dentry, S_IFDIR, S_IFMT } from './fs/vfs.js';
import { Kernel } from './kernel.js';
import { validateWorld, type World, WorldError } from './world/schema.js';

export class StateError extends Error {
  override name = 'StateError';
}

export const STATE_VERSION = 1;

interface MapRec {
  id: number;
  attr: Omit<MapCreateAttr, 'map_extra'> & { map_extra?: string };
  entries: [string, string][];
  frozen: boolean;
}
interface ProgRec {
  id: number;
  attr: Omit<ProgLoadAttr, 'insns'> & { insns: string };
  maps: [number, number][];
}
interface LinkRec {
  id: number;
  prog: number;
  attach_type: number;
  iter_info?: string;
  iter_map?: number;
}
export interface MachineState {
  version: number;
  world: World;
  umask: number;
  /** Next ids to hand out; `pid` is the init namespace's last pid (pids keep rising across invocations, as Linux's do). */
  next: { prog: number; map: number; link: number; btf: number; pid?: number };
  dirs: { path: string; mode: number }[];
  maps: MapRec[];
  progs: ProgRec[];
  links: LinkRec[];
  pins: { path: string; kind: 'prog' | 'map' | 'link'; id: number }[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string, what: string) => {
  if (!/^([0-9a-f]{2})*$/.test(s)) throw new StateError(`damaged state: ${what} is not hex`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
};

/** Serialises the machine. */
export function snapshot(k: Kernel): MachineState {
  const maps = new Map<number, BpfMap>();
  const progs = new Map<number, BpfProg>();
  const links = new Map<number, BpfLink>();
  const addProg = (p: BpfProg) => {
    progs.set(p.id, p);
    for (const m of p.usedMaps) maps.set(m.id, m);
  };
  const pins: MachineState['pins'] = [];
  for (const [d, o] of k.pins) {
    if (o.kind === 'btf') continue;
    const id = o.kind === 'map' ? o.map.id : o.kind === 'prog' ? o.prog.id : o.link.id;
    pins.push({ path: k.pinPath(d), kind: o.kind, id });
    if (o.kind === 'map') maps.set(o.map.id, o.map);
    if (o.kind === 'prog') addProg(o.prog);
    if (o.kind === 'link') {
      links.set(o.link.id, o.link);
      addProg(o.link.prog);
      if (o.link.iterMap) maps.set(o.link.iterMap.id, o.link.iterMap);
    }
  }
  const dirs: MachineState['dirs'] = [];
  const bpffs = k.vfs.lookup('/sys/fs/bpf');
  const walk = (d: Dentry, path: string) => {
    for (const [name, c] of [...(d.inode?.children ?? new Map<string, Dentry>())].sort()) {
      if (c.inode && (c.inode.mode & S_IFMT) === S_IFDIR) {
        dirs.push({ path: `${path}/${name}`, mode: c.inode.mode & 0o7777 });
        walk(c, `${path}/${name}`);
      }
    }
  };
  walk(bpffs.dentry, '/sys/fs/bpf');
  return {
    version: STATE_VERSION,
    world: k.bootWorld,
    umask: k.umask,
    next: {
      prog: k.bpfIds.progs.next,
      map: k.bpfIds.maps.next,
      link: k.bpfIds.links.next,
      btf: k.bpfIds.btfs.next,
      pid: k.initPidNs.lastPid,
    },
    dirs,
    maps: [...maps.values()]
      .sort((a, b) => a.id - b.id)
      .map((m) => ({
        id: m.id,
        attr: mapAttrRec(m.attr),
        entries: m.entries().map(([key, v]) => [hex(key), hex(v)] as [string, string]),
        frozen: m.frozen,
      })),
    progs: [...progs.values()]
      .sort((a, b) => a.id - b.id)
      .map((p) => {
        const a = p.loadAttr;
        if (!a) throw new Error(`prog ${p.id} has no load attr`);
        return {
          id: p.id,
          attr: { ...a, insns: hex(a.insns) },
          maps: [...p.mapByInsn].map(([i, m]) => [i, m.id]),
        };
      }),
    links: [...links.values()]
      .sort((a, b) => a.id - b.id)
      .map((l) => ({
        id: l.id,
        // the program the link runs now (an earlier one, replaced by LINK_UPDATE, is gone)
        prog: l.prog.id,
        attach_type: l.attr.attach_type,
        ...(l.attr.iter_info
          ? { iter_info: hex(l.attr.iter_info.subarray(0, l.attr.iter_info_len ?? l.attr.iter_info.length)) }
          : {}),
        ...(l.iterMap ? { iter_map: l.iterMap.id } : {}),
      })),
    pins: pins.sort((a, b) => a.path.localeCompare(b.path)),
  };
}

function mapAttrRec(a: MapCreateAttr): MapRec['attr'] {
  const { map_extra, ...rest } = a;
  return map_extra !== undefined ? { ...rest, map_extra: map_extra.toString() } : rest;
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new StateError(`damaged state: ${what}`);
}

/** Checks the shape of a parsed state. */
export function validateState(s: unknown): MachineState {
  check(typeof s === 'object' && s !== null, 'not an object');
  const st = s as MachineState;
  check(st.version === STATE_VERSION, `version ${String(st.version)} (expected ${STATE_VERSION})`);
  try {
    validateWorld(st.world);
  } catch (e) {
    if (e instanceof WorldError) throw new StateError(`damaged state: ${e.message}`);
    throw e;
  }
  check(Number.isInteger(st.umask), 'umask');
  check(
    st.next &&
      ['prog', 'map', 'link', 'btf'].every((x) => Number.isInteger((st.next as Record<string, number>)[x])),
    'next ids',
  );
  for (const key of ['dirs', 'maps', 'progs', 'links', 'pins'] as const) check(Array.isArray(st[key]), key);
  for (const m of st.maps)
    check(Number.isInteger(m.id) && m.attr && Array.isArray(m.entries), `map ${String(m.id)}`);
  for (const p of st.progs)
    check(
      Number.isInteger(p.id) && p.attr && typeof p.attr.insns === 'string' && Array.isArray(p.maps),
      `prog ${String(p.id)}`,
    );
  for (const l of st.links) check(Number.isInteger(l.id) && Number.isInteger(l.prog), `link ${String(l.id)}`);
  for (const p of st.pins)
    check(typeof p.path === 'string' && ['prog', 'map', 'link'].includes(p.kind), `pin ${String(p.path)}`);
  return st;
}

/** Parses a saved state text. */
export function parseState(text: string): MachineState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StateError(`damaged state: not JSON (${(e as Error).message})`);
  }
  return validateState(json);
}

/**
 * Rebuilds a machine: boots the world, runs `install` (re-register
 * subsystems such as bpf-iter), then replays the journal with the original ids.
 */
export function restore(state: MachineState, opts: { install?: (k: Kernel) => void } = {}): Kernel {
  const st = validateState(state);
  const k = Kernel.boot({ world: st.world });
  opts.install?.(k);
  k.umask = st.umask;
  if (st.next.pid !== undefined) {
    check(Number.isInteger(st.next.pid) && st.next.pid >= 0, 'next pid');
    k.initPidNs.lastPid = Math.max(k.initPidNs.lastPid, st.next.pid);
  }
  const p = k.process(1);
  const fds: number[] = [];
  const mapFd = new Map<number, number>();
  const progFd = new Map<number, number>();
  const linkFd = new Map<number, number>();
  const step = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof StateError) throw e;
      const why = e instanceof BpfError ? e.errno : (e as Error).message;
      throw new StateError(`damaged state: cannot restore ${what}: ${why}`, { cause: e });
    }
  };
  try {
    for (const d of st.dirs) step(`directory ${d.path}`, () => k.createNode(d.path, S_IFDIR | d.mode));
    for (const m of st.maps) {
      step(`map ${m.id}`, () => {
        k.bpfIds.maps.next = m.id;
        const { map_extra, ...rest } = m.attr;
        const fd = p.bpf('BPF_MAP_CREATE', {
          ...rest,
          ...(map_extra !== undefined ? { map_extra: BigInt(map_extra) } : {}),
        });
        fds.push(fd);
        mapFd.set(m.id, fd);
        const map = k.bpfIds.maps.get(m.id);
        check(map, `map ${m.id} got another id`);
        for (const [key, v] of m.entries)
          map.update(unhex(key, `map ${m.id} key`), unhex(v, `map ${m.id} value`), 0);
        if (m.frozen) map.freeze();
      });
    }
    for (const pr of st.progs) {
      step(`prog ${pr.id}`, () => {
        const insns = unhex(pr.attr.insns, `prog ${pr.id} insns`);
        const dv = new DataView(insns.buffer);
        const fdArray: number[] = [];
        for (const [i, mapId] of pr.maps) {
          const fd = mapFd.get(mapId);
          check(fd !== undefined, `prog ${pr.id} uses unknown map ${mapId}`);
          check(i * 8 + 8 <= insns.length, `prog ${pr.id} map reference out of range`);
          const src = (insns[i * 8 + 1] ?? 0) >> 4;
          // BPF_PSEUDO_MAP_IDX(_VALUE) index fd_array: rebuild it; fd-based refs get the new fd in place
          if (src === 5 || src === 6) fdArray[dv.getInt32(i * 8 + 4, true)] = fd;
          else dv.setInt32(i * 8 + 4, fd, true);
        }
        k.bpfIds.progs.next = pr.id;
        const fd = p.bpf('BPF_PROG_LOAD', {
          ...pr.attr,
          insns,
          ...(fdArray.length ? { fd_array: Array.from(fdArray, (x) => x ?? -1) } : {}),
        });
        fds.push(fd);
        progFd.set(pr.id, fd);
        check(k.bpfIds.progs.get(pr.id), `prog ${pr.id} got another id`);
      });
    }
    for (const l of st.links) {
      step(`link ${l.id}`, () => {
        const pfd = progFd.get(l.prog);
        check(pfd !== undefined, `link ${l.id} uses unknown prog ${l.prog}`);
        let info = l.iter_info !== undefined ? unhex(l.iter_info, `link ${l.id} iter_info`) : undefined;
        if (info && l.iter_map !== undefined) {
          const mfd = mapFd.get(l.iter_map);
          check(mfd !== undefined, `link ${l.id} uses unknown map ${l.iter_map}`);
          info = info.slice();
          new DataView(info.buffer).setUint32(0, mfd, true);
        }
        k.bpfIds.links.next = l.id;
        const fd = p.bpf('BPF_LINK_CREATE', {
          prog_fd: pfd,
          attach_type: l.attach_type,
          ...(info ? { iter_info: info, iter_info_len: info.length } : {}),
        });
        fds.push(fd);
        linkFd.set(l.id, fd);
        check(k.bpfIds.links.get(l.id), `link ${l.id} got another id`);
      });
    }
    for (const pin of st.pins) {
      step(`pin ${pin.path}`, () => {
        const fd = (pin.kind === 'map' ? mapFd : pin.kind === 'prog' ? progFd : linkFd).get(pin.id);
        check(fd !== undefined, `pin ${pin.path} names unknown ${pin.kind} ${pin.id}`);
        p.bpf('BPF_OBJ_PIN', { pathname: pin.path, bpf_fd: fd });
      });
    }
  } finally {
    for (const fd of fds) p.close(fd);
  }
  k.bpfIds.progs.next = st.next.prog;
  k.bpfIds.maps.next = st.next.map;
  k.bpfIds.links.next = st.next.link;
  k.bpfIds.btfs.next = st.next.btf;
  return k;
}

export type { BpfObject };
