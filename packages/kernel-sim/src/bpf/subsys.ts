/**
 * The bpf subsystem's state: id allocators (prog/map/link/btf idr), the
 * registries subsystems plug into (link types, attach targets, helpers) and
 * running a loaded program.
 */
import { BpfError } from '@tsbpf/uapi';
import type { HelperDef } from './helpers.js';
import type { BpfMap } from './map.js';
import type { AttachTarget, BpfLink, BpfProg, BtfObj, LinkTypeOps } from './objects.js';

/** idr_alloc_cyclic over [1, INT_MAX). */
export class Idr<T> {
  readonly objects = new Map<number, T>();
  next = 1;
  alloc(obj: T): number {
    let id = this.next;
    while (this.objects.has(id)) id++;
    this.objects.set(id, obj);
    this.next = id + 1;
    return id;
  }
  remove(id: number): void {
    this.objects.delete(id);
  }
  get(id: number): T | undefined {
    return this.objects.get(id);
  }
  /** The smallest id > start (bpf_obj_get_next_id). */
  nextId(start: number): number | undefined {
    let best: number | undefined;
    for (const id of this.objects.keys()) if (id > start && (best === undefined || id < best)) best = id;
    return best;
  }
}

export type AttachTargetResolver = (req: { btfId: number; funcName: string; prog: BpfProg }) => AttachTarget;

export class BpfRegistry {
  readonly linkTypes: LinkTypeOps[] = [];
  readonly attachTargets = new Map<string, AttachTargetResolver>();
  readonly helpers = new Map<number, HelperDef>();

  registerLinkType(ops: LinkTypeOps): () => void {
    if (this.findLinkType(ops.progType, ops.attachType)) {
      throw new BpfError('EEXIST', `link type for prog type ${ops.progType} attach ${ops.attachType} exists`);
    }
    this.linkTypes.push(ops);
    return () => {
      const i = this.linkTypes.indexOf(ops);
      if (i >= 0) this.linkTypes.splice(i, 1);
    };
  }

  findLinkType(progType: number, attachType: number): LinkTypeOps | undefined {
    return this.linkTypes.find((l) => l.progType === progType && l.attachType === attachType);
  }

  registerAttachTarget(progType: number, attachType: number, resolve: AttachTargetResolver): () => void {
    const key = `${progType}:${attachType}`;
    if (this.attachTargets.has(key)) throw new BpfError('EEXIST', `attach target resolver ${key} exists`);
    this.attachTargets.set(key, resolve);
    return () => {
      if (this.attachTargets.get(key) === resolve) this.attachTargets.delete(key);
    };
  }

  attachTarget(progType: number, attachType: number): AttachTargetResolver | undefined {
    return this.attachTargets.get(`${progType}:${attachType}`);
  }

  registerHelper(def: HelperDef): () => void {
    if (this.helpers.has(def.id))
      throw new BpfError('EEXIST', `helper ${def.id} (${def.name}) is registered`);
    this.helpers.set(def.id, def);
    return () => {
      if (this.helpers.get(def.id) === def) this.helpers.delete(def.id);
    };
  }
}

export class BpfIds {
  readonly progs = new Idr<BpfProg>();
  readonly maps = new Idr<BpfMap>();
  readonly links = new Idr<BpfLink>();
  readonly btfs = new Idr<BtfObj>();
}
