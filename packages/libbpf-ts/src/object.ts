/**
 * BpfObject: open (pure) → load (through a Syscalls door) → attach → close,
 * the lifecycle of libbpf's struct bpf_object.
 *
 * @see bpf_object__open_file, bpf_object__open_mem, bpf_object__load, bpf_object__close,
 *      bpf_object_load, bpf_object__relocate (tools/lib/bpf/libbpf.c)
 */
import { readFileSync } from 'node:fs';
import { encodeInsns } from '@tsbpf/bpf-vm';
import { type Btf, encodeBtf, parseBtf } from '@tsbpf/btf';
import {
  BPF_OBJ_NAME_LEN,
  BpfAttachType,
  BpfError,
  BpfMapType,
  BpfProgType,
  ERRNO,
  type Errno,
  type MapCreateAttr,
  type ProgLoadAttr,
  type Syscalls,
  strerror,
} from '@tsbpf/uapi';
import { markFuncsStatic } from './btfFixup.js';
import { applyCoreRelo, CoreCandidateCache } from './core/apply.js';
import type { CoreLog } from './core/relo.js';
import { CoreError, formatSpec, parseSpec } from './core/spec.js';
import { LibbpfError } from './errors.js';
import { btfBytesOf, loadBtfFile, readWholeFile, VMLINUX_BTF_PATH } from './kernelBtf.js';
import type { BpfLink } from './link.js';
import { BpfMap, reusePinnedMap } from './map.js';
import { LIBBPF_PIN_BY_NAME } from './mapDefs.js';
import { type ObjectDef, openObjectDef } from './open.js';
import { prPermMsg } from './permMsg.js';
import { prDebug, prWarn } from './print.js';
import { BpfProgram, type ProgLoadOptions, progLoad } from './program.js';
import { type LinkedProgram, linkProgram, relocateData } from './relocate.js';
import { SEC_ATTACH_BTF } from './secDefs.js';

export interface OpenObjectOptions {
  /** Object name (default: file base name up to the first '.'). @see bpf_object_open_opts.object_name */
  objectName?: string;
  /** Target BTF for CO-RE instead of the kernel's (raw BTF or ELF with .BTF). @see bpf_object_open_opts.btf_custom_path */
  btfCustomPath?: string;
  /** Kernel BTF path (default /sys/kernel/btf/vmlinux). */
  vmlinuxBtfPath?: string;
  /** The system calls used at load; may also be given to load(). */
  syscalls?: Syscalls;
  /** Directory for maps declared with `__uint(pinning, LIBBPF_PIN_BY_NAME)` (default /sys/fs/bpf). @see bpf_object_open_opts.pin_root_path */
  pinRootPath?: string;
  /** Accept a legacy `maps` section (libbpf < 1.0 behaviour). */
  legacyMaps?: boolean;
  /** Reads the object file for openFile (default: node:fs readFileSync). */
  readFile?: (path: string) => Uint8Array;
}

export interface LoadOptions extends ProgLoadOptions {
  syscalls?: Syscalls;
  /** Reference maps through fd_array with BPF_PSEUDO_MAP_IDX(_VALUE) instead of fds in ld_imm64. */
  useFdArray?: boolean;
  /** Number of possible CPUs, for maps whose size defaults to it (perf event arrays). */
  nrCpus?: number;
  /** kern_version for BPF_PROG_LOAD when the object has no `version` section. */
  kernVersion?: number;
}

const errnoOf = (e: unknown): Errno => (e instanceof BpfError ? e.errno : 'EINVAL');
const negErrno = (e: unknown) => (e instanceof BpfError ? -e.code : -22);

/** @see btf_attach_type / find_attach_btf_id: name prefix and BTF kind of the attach target. */
function attachBtfTarget(attachType: number, progType: number): { prefix: string; kind: 'FUNC' | 'TYPEDEF' } {
  if (progType === BpfProgType.BPF_PROG_TYPE_LSM) return { prefix: 'bpf_lsm_', kind: 'FUNC' };
  switch (attachType) {
    case BpfAttachType.BPF_TRACE_RAW_TP:
      return { prefix: 'btf_trace_', kind: 'TYPEDEF' };
    case BpfAttachType.BPF_TRACE_ITER:
      return { prefix: 'bpf_iter_', kind: 'FUNC' };
    default:
      return { prefix: '', kind: 'FUNC' };
  }
}

/** A program after subprogram linking and data relocation, ready for BPF_PROG_LOAD. */
interface RelocatedProgram {
  linked: LinkedProgram;
  fdArray: number[] | undefined;
}

export class BpfObject {
  readonly programs: readonly BpfProgram[];
  readonly maps: readonly BpfMap[];
  /** Links made by attach(), by program name (skeleton `links`). */
  readonly links = new Map<string, BpfLink>();
  /** Object BTF fd after a successful BTF_LOAD, else -1. @see bpf_object__btf_fd */
  btfFd = -1;
  /** The kernel (or custom) BTF used at load. */
  kernelBtf: Btf | undefined;
  private sys: Syscalls | undefined;
  private loaded = false;
  private closed = false;
  private readonly allPrograms: BpfProgram[];

  private constructor(
    /** @internal */ readonly def: ObjectDef,
    private readonly opts: OpenObjectOptions,
  ) {
    this.sys = opts.syscalls;
    const getSys = () => this.sys;
    this.allPrograms = def.programs.map((p) => new BpfProgram(p, getSys));
    this.programs = this.allPrograms.filter((p) => !p.def.isSubprog);
    this.maps = def.maps.map((m) => new BpfMap(m, getSys));
    for (const m of this.maps) {
      if (m.def.pinning === LIBBPF_PIN_BY_NAME) m.pinPath = `${opts.pinRootPath ?? '/sys/fs/bpf'}/${m.name}`;
    }
  }

  /**
   * Opens an object file (no system calls beyond reading the file).
   * @see bpf_object__open_file
   */
  static openFile(path: string, opts: OpenObjectOptions = {}): BpfObject {
    prDebug(`loading ${path}`);
    let bytes: Uint8Array;
    try {
      bytes = (opts.readFile ?? ((p: string) => new Uint8Array(readFileSync(p))))(path);
    } catch (e) {
      const code = (e as { code?: string }).code === 'ENOENT' ? 'ENOENT' : 'EINVAL';
      prWarn(`elf: failed to open ${path}: ${code === 'ENOENT' ? 'No such file or directory' : String(e)}`);
      throw new LibbpfError(code, `elf: failed to open ${path}`, undefined, { cause: e });
    }
    return new BpfObject(openObjectDef(bytes, path, opts), opts);
  }

  /**
   * Opens an object from memory.
   * @see bpf_object__open_mem
   */
  static openMemory(bytes: Uint8Array, opts: OpenObjectOptions = {}): BpfObject {
    const name = opts.objectName ?? `${bytes.byteOffset.toString(16)}-${bytes.length.toString(16)}`;
    prDebug(`loading object '${name}' from buffer`);
    return new BpfObject(openObjectDef(bytes, name, { ...opts, objectName: name }), opts);
  }

  /** @see bpf_object__name */
  get name(): string {
    return this.def.name;
  }
  /** @see bpf_object__license */
  get license(): string {
    return this.def.license;
  }
  /** @see bpf_object__kversion */
  get kernVersion(): number {
    return this.def.kernVersion;
  }
  /** The object's own BTF (DATASECs fixed up). @see bpf_object__btf */
  get btf(): Btf | undefined {
    return this.def.btf;
  }
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** @see bpf_object__find_program_by_name */
  findProgramByName(name: string): BpfProgram | undefined {
    return this.programs.find((p) => p.name === name);
  }
  /** @see bpf_object__find_map_by_name */
  findMapByName(name: string): BpfMap | undefined {
    return this.maps.find((m) => m.realName === name) ?? this.maps.find((m) => m.name === name);
  }

  /**
   * Loads BTF, creates maps, applies CO-RE and data relocations and loads
   * every autoload program. On failure everything created is released and
   * a LibbpfError is thrown (messages already printed).
   * @see bpf_object__load
   */
  load(opts: LoadOptions = {}): void {
    if (this.closed) throw new LibbpfError('EINVAL', `object '${this.name}': already closed`);
    if (this.loaded) {
      prWarn(`object '${this.name}': load can't be attempted twice`);
      throw new LibbpfError('EINVAL', `object '${this.name}': load can't be attempted twice`);
    }
    const sys = opts.syscalls ?? this.sys;
    if (!sys) throw new LibbpfError('EINVAL', `object '${this.name}': no syscalls to load with`);
    this.sys = sys;
    this.loaded = true;
    try {
      this.loadVmlinuxBtf(sys);
      this.loadObjectBtf(sys);
      this.createMaps(sys, opts);
      this.relocateCore(sys);
      this.loadPrograms(sys, opts, this.relocatePrograms(opts));
    } catch (e) {
      // Maps pinned by this load (not reused ones) are unpinned again.
      for (const m of this.maps) {
        if (m.pinned && !m.reused) {
          try {
            m.unpin();
          } catch {
            // best effort, as libbpf
          }
        }
      }
      this.unload(sys);
      prWarn(`failed to load object '${this.def.path}'`);
      throw e;
    }
  }

  private needsVmlinuxBtf(): boolean {
    if (this.def.coreReloCount > 0 && !this.opts.btfCustomPath) return true;
    return this.programs.some(
      (p) =>
        p.autoload &&
        (p.type === BpfProgType.BPF_PROG_TYPE_TRACING ||
          p.type === BpfProgType.BPF_PROG_TYPE_LSM ||
          p.type === BpfProgType.BPF_PROG_TYPE_STRUCT_OPS),
    );
  }

  /** @see bpf_object__load_vmlinux_btf */
  private loadVmlinuxBtf(sys: Syscalls): void {
    if (!this.needsVmlinuxBtf()) return;
    const path = this.opts.vmlinuxBtfPath ?? VMLINUX_BTF_PATH;
    try {
      this.kernelBtf = loadBtfFile(sys, path);
      prDebug(`loading kernel BTF '${path}': 0`);
    } catch (e) {
      const err = negErrno(e);
      prWarn(`Error loading vmlinux BTF: ${err}`);
      throw new LibbpfError(errnoOf(e), `Error loading vmlinux BTF: ${err}`, undefined, { cause: e });
    }
  }

  /** @see bpf_object__sanitize_and_load_btf, btf_load_into_kernel */
  private loadObjectBtf(sys: Syscalls): void {
    if (!this.def.btf) return;
    markFuncsStatic(
      this.def.btf,
      this.def.programs.filter((p) => p.markBtfStatic && p.isSubprog).map((p) => p.name),
    );
    const btf = encodeBtf(this.def.btf);
    let logLevel = 0;
    let size = 0;
    for (;;) {
      let buf: Uint8Array | undefined;
      if (logLevel) {
        size = Math.max(0xffffffff >>> 8, size * 2);
        buf = new Uint8Array(size);
      }
      try {
        this.btfFd = sys.bpf('BPF_BTF_LOAD', {
          btf,
          btf_size: btf.length,
          ...(buf ? { btf_log_level: logLevel, btf_log_size: size, btf_log_buf: buf } : {}),
        });
        return;
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
        if (logLevel === 0) {
          logLevel = 1;
          continue;
        }
        if (e.errno === 'ENOSPC' && size <= 0xffffffff / 2) continue;
        prWarn(`BTF loading error: ${-e.code}`);
        const log = buf ? new TextDecoder().decode(buf.subarray(0, Math.max(0, buf.indexOf(0)))) : '';
        if (log) prWarn(`-- BEGIN BTF LOAD LOG ---\n${log}\n-- END BTF LOAD LOG --`);
        prWarn(`Error loading .BTF into kernel: ${-e.code}. BTF is optional, ignoring.`);
        this.btfFd = -1;
        return;
      }
    }
  }

  /** @see bpf_object__create_maps, bpf_object__create_map, bpf_object__populate_internal_map */
  private createMaps(sys: Syscalls, opts: LoadOptions): void {
    for (const map of this.maps) {
      if (!map.autocreate) {
        prDebug(`map '${map.name}': skipped auto-creating...`);
        continue;
      }
      let retried = false;
      for (;;) {
        if (map.pinPath !== undefined) {
          try {
            reusePinnedMap(sys, map);
          } catch (e) {
            prWarn(`map '${map.name}': error reusing pinned map`);
            throw e;
          }
          if (retried && map.fd < 0) {
            prWarn(`map '${map.name}': cannot find pinned map`);
            throw new LibbpfError('ENOENT', `map '${map.name}': cannot find pinned map`);
          }
        }
        if (map.fd >= 0) prDebug(`map '${map.name}': skipping creation (preset fd=${map.fd})`);
        else this.createMap(sys, map, opts);
        if (map.pinPath !== undefined && !map.pinned) {
          try {
            map.pin();
          } catch (e) {
            sys.close(map.fd);
            map.fd = -1;
            if (!retried && e instanceof BpfError && e.errno === 'EEXIST') {
              retried = true;
              continue;
            }
            const msg = `map '${map.name}': failed to auto-pin at '${map.pinPath}': ${e instanceof Error ? e.message : String(e)}`;
            prWarn(msg);
            throw new LibbpfError(errnoOf(e), msg, undefined, { cause: e });
          }
        }
        break;
      }
    }
  }

  /** BPF_MAP_CREATE (retrying without BTF), then initial contents and freeze. */
  private createMap(sys: Syscalls, map: BpfMap, opts: LoadOptions): void {
    {
      const d = map.def;
      let maxEntries = d.maxEntries;
      if (d.type === BpfMapType.BPF_MAP_TYPE_PERF_EVENT_ARRAY && maxEntries === 0)
        maxEntries = opts.nrCpus ?? 1;
      let innerFd: number | undefined;
      if (d.innerMap) {
        const im = d.innerMap;
        innerFd = sys.bpf('BPF_MAP_CREATE', {
          map_type: im.type,
          key_size: im.keySize,
          value_size: im.valueSize,
          max_entries: im.maxEntries,
          map_flags: im.mapFlags,
          map_name: im.name.slice(0, BPF_OBJ_NAME_LEN - 1),
        });
      }
      const attr: MapCreateAttr = {
        map_type: d.type,
        key_size: d.keySize,
        value_size: d.valueSize,
        max_entries: maxEntries,
        map_flags: d.mapFlags,
        numa_node: d.numaNode,
        map_name: d.name.slice(0, BPF_OBJ_NAME_LEN - 1),
        map_extra: d.mapExtra,
        ...(innerFd !== undefined ? { inner_map_fd: innerFd } : {}),
      };
      const withBtf = this.btfFd >= 0 && (d.btfKeyTypeId !== 0 || d.btfValueTypeId !== 0);
      if (withBtf) {
        attr.btf_fd = this.btfFd;
        attr.btf_key_type_id = d.btfKeyTypeId;
        attr.btf_value_type_id = d.btfValueTypeId;
      }
      try {
        try {
          map.fd = sys.bpf('BPF_MAP_CREATE', attr);
        } catch (e) {
          if (!withBtf || !(e instanceof BpfError)) throw e;
          prWarn(
            `Error in bpf_create_map_xattr(${map.name}):${e.message}(${-e.code}). Retrying without BTF.`,
          );
          map.fd = sys.bpf('BPF_MAP_CREATE', {
            ...attr,
            btf_fd: 0,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
          });
        }
      } catch (e) {
        const why = e instanceof BpfError ? strerror(e.code) : e instanceof Error ? e.message : String(e);
        const msg = `map '${map.name}': failed to create: ${why}(${negErrno(e)})`;
        prWarn(msg);
        prPermMsg(sys, negErrno(e));
        throw new LibbpfError(errnoOf(e), msg, undefined, { syscall: 'BPF_MAP_CREATE', cause: e });
      } finally {
        if (innerFd !== undefined) sys.close(innerFd);
      }
      if (d.kind !== 'user' && d.kind !== 'bss' && d.initialValue) {
        try {
          sys.bpf('BPF_MAP_UPDATE_ELEM', {
            map_fd: map.fd,
            key: new Uint8Array(4),
            value: d.initialValue,
            flags: 0,
          });
        } catch (e) {
          const msg = `map '${map.name}': failed to set initial contents: ${e instanceof Error ? e.message : String(e)}`;
          prWarn(msg);
          throw new LibbpfError(errnoOf(e), msg, undefined, { cause: e });
        }
        if (d.kind === 'rodata' || d.kind === 'kconfig') {
          try {
            sys.bpf('BPF_MAP_FREEZE', { map_fd: map.fd });
          } catch (e) {
            const msg = `map '${map.name}': failed to freeze as read-only: ${e instanceof Error ? e.message : String(e)}`;
            prWarn(msg);
            throw new LibbpfError(errnoOf(e), msg, undefined, { cause: e });
          }
        }
      }
      prDebug(`map '${map.name}': created successfully, fd=${map.fd}`);
    }
  }

  /** @see bpf_object__relocate_core */
  private relocateCore(sys: Syscalls): void {
    const ext = this.def.btfExt;
    const local = this.def.btf;
    if (!ext || !local || this.def.coreReloCount === 0) return;
    let target: Btf;
    let targetName = 'vmlinux';
    if (this.opts.btfCustomPath) {
      try {
        target = parseBtf(btfBytesOf(readWholeFile(sys, this.opts.btfCustomPath)));
        targetName = this.opts.btfCustomPath;
      } catch (e) {
        const err = negErrno(e);
        prWarn(`failed to parse target BTF: ${err}`);
        prWarn(`failed to perform CO-RE relocations: ${err}`);
        throw new LibbpfError(errnoOf(e), `failed to parse target BTF: ${err}`, undefined, { cause: e });
      }
    } else {
      if (!this.kernelBtf) throw new LibbpfError('EINVAL', 'kernel BTF is not loaded');
      target = this.kernelBtf;
    }
    const log: CoreLog = { debug: prDebug, warn: prWarn };
    const cache = new CoreCandidateCache(local, { btf: target, name: targetName }, log);
    for (const sec of ext.coreRelo.sections) {
      prDebug(`sec '${sec.secName}': found ${sec.records.length} CO-RE relocations`);
      sec.records.forEach((rec, i) => {
        const insnIdx = rec.insnOff / 8;
        const prog = this.allPrograms.find(
          (p) =>
            p.def.elfSecName === sec.secName &&
            insnIdx >= p.def.secInsnOff &&
            insnIdx < p.def.secInsnOff + p.def.insns.length,
        );
        if (!prog) {
          prDebug(
            `sec '${sec.secName}': skipping CO-RE relocation #${i} for insn #${insnIdx} belonging to eliminated weak subprogram`,
          );
          return;
        }
        if (!prog.autoload) return;
        const relo = {
          insnIdx: insnIdx - prog.def.secInsnOff,
          typeId: rec.typeId,
          accessStr: rec.accessStr ?? '',
          kind: rec.kind,
        };
        try {
          applyCoreRelo(prog.name, prog.def.insns, relo, i, cache, log);
        } catch (e) {
          const err = e instanceof CoreError ? e.errno : -22;
          prWarn(`prog '${prog.name}': relo #${i}: failed to relocate: ${err}`);
          prWarn(`failed to perform CO-RE relocations: ${err}`);
          throw new LibbpfError(
            err === -3 ? 'ESRCH' : err === -7 ? 'E2BIG' : err === -95 ? 'EOPNOTSUPP' : 'EINVAL',
            e instanceof Error ? e.message : String(e),
            undefined,
            { cause: e },
          );
        }
      });
    }
  }

  /**
   * Links subprograms into, and relocates data references of, every
   * autoload program before any is loaded, as libbpf does.
   * @see bpf_object__relocate, bpf_object__relocate_calls, bpf_object__relocate_data
   */
  private relocatePrograms(opts: LoadOptions): Map<BpfProgram, RelocatedProgram> {
    const out = new Map<BpfProgram, RelocatedProgram>();
    for (const prog of this.programs) {
      if (!prog.autoload) continue;
      const fdArray: number[] | undefined = opts.useFdArray ? [] : undefined;
      try {
        const linked = linkProgram(this.def, prog.def);
        relocateData(linked, this.maps, fdArray);
        out.set(prog, { linked, fdArray });
      } catch (e) {
        prWarn(`prog '${prog.name}': failed to relocate calls: ${negErrno(e)}`);
        throw e;
      }
    }
    return out;
  }

  /** @see bpf_object__load_progs, bpf_object_load_prog, libbpf_prepare_prog_load */
  private loadPrograms(sys: Syscalls, opts: LoadOptions, relocated: Map<BpfProgram, RelocatedProgram>): void {
    for (const prog of this.programs) {
      if (!prog.autoload) {
        prDebug(`prog '${prog.name}': skipped loading`);
        continue;
      }
      const d = prog.def;
      /** libbpf's "prog 'x': failed to load: -N", then the error. */
      const fail = (errno: Errno, msg: string, cause?: unknown): never => {
        prWarn(`prog '${prog.name}': failed to load: ${-ERRNO[errno]}`);
        if (cause instanceof LibbpfError) throw cause;
        throw new LibbpfError(errno, msg, undefined, { cause });
      };
      if (!d.secDef && d.progType === 0) {
        prWarn(`prog '${prog.name}': missing BPF prog type, check ELF section name '${d.secName}'`);
        fail('EINVAL', `prog '${prog.name}': missing BPF prog type`);
      }
      const { linked, fdArray } = relocated.get(prog)!;
      const attr: ProgLoadAttr = {
        prog_type: d.progType,
        insns: encodeInsns(linked.insns),
        insn_cnt: linked.insns.length,
        license: this.def.license,
        kern_version: this.def.kernVersion || opts.kernVersion || 0,
        prog_flags: d.progFlags,
        prog_name: prog.name.slice(0, BPF_OBJ_NAME_LEN - 1),
        expected_attach_type: d.expectedAttachType,
      };
      if (fdArray?.length) attr.fd_array = fdArray;
      if (this.btfFd >= 0) {
        attr.prog_btf_fd = this.btfFd;
        if (linked.funcInfoComplete && linked.funcInfo.length) {
          const fi = new Uint8Array(linked.funcInfo.length * 8);
          const dv = new DataView(fi.buffer);
          linked.funcInfo.forEach((r, i) => {
            dv.setUint32(i * 8, r.insnOff, true);
            dv.setUint32(i * 8 + 4, r.typeId, true);
          });
          attr.func_info = fi;
          attr.func_info_cnt = linked.funcInfo.length;
          attr.func_info_rec_size = 8;
        }
        if (linked.lineInfoComplete && linked.lineInfo.length && attr.func_info) {
          const li = new Uint8Array(linked.lineInfo.length * 16);
          const dv = new DataView(li.buffer);
          linked.lineInfo.forEach((r, i) => {
            dv.setUint32(i * 16, r.insnOff, true);
            dv.setUint32(i * 16 + 4, r.fileNameOff, true);
            dv.setUint32(i * 16 + 8, r.lineOff, true);
            dv.setUint32(i * 16 + 12, r.lineCol, true);
          });
          attr.line_info = li;
          attr.line_info_cnt = linked.lineInfo.length;
          attr.line_info_rec_size = 16;
        }
      }
      if (d.secDef && d.secDef.flags & SEC_ATTACH_BTF && prog.attachBtfId === 0) {
        const slash = d.secName.indexOf('/');
        if (slash < 0 && prog.attachTargetName === undefined) {
          prWarn(
            `prog '${prog.name}': no BTF-based attach target is specified, use bpf_program__set_attach_target()`,
          );
          prWarn(`prog '${prog.name}': failed to prepare load attributes: -22`);
          fail('EINVAL', `prog '${prog.name}': no BTF-based attach target is specified`);
        }
        const attachName = prog.attachTargetName ?? d.secName.slice(slash + 1);
        const { prefix, kind } = attachBtfTarget(d.expectedAttachType, d.progType);
        const id = this.kernelBtf?.findByName(prefix + attachName, kind);
        if (id === undefined) {
          prWarn(`prog '${prog.name}': failed to find kernel BTF type ID of '${attachName}': -3`);
          prWarn(`prog '${prog.name}': failed to prepare load attributes: -3`);
          fail('ESRCH', `prog '${prog.name}': failed to find kernel BTF type ID of '${attachName}'`);
        }
        prog.attachBtfId = id!;
      }
      if (prog.attachBtfId) {
        attr.attach_btf_id = prog.attachBtfId;
        attr.attach_btf_obj_fd = 0;
      }
      prog.loadedInsns = linked.insns;
      try {
        const r = progLoad(sys, prog.name, attr, opts, (log) => this.fixupCoreLog(log, linked.coreRelos));
        prog.fd = r.fd;
        prog.log = r.log;
      } catch (e) {
        if (e instanceof LibbpfError) prog.log = e.log ?? '';
        fail(errnoOf(e), e instanceof Error ? e.message : String(e), e);
      }
    }
  }

  /**
   * Replaces the verifier's complaint about a reachable poisoned instruction
   * ("N: (85) call unknown#195896080" + "invalid func unknown#195896080")
   * with the CO-RE relocation that failed, looking at the last 10 lines.
   * @see fixup_verifier_log, fixup_log_failed_core_relo
   */
  private fixupCoreLog(
    log: string,
    relos: { insnIdx: number; typeId: number; accessStr?: string; kind: number }[],
  ): string {
    const lines = log.split(/(?<=\n)/);
    for (let i = lines.length - 1; i >= Math.max(1, lines.length - 10); i--) {
      if (!lines[i]!.startsWith('invalid func unknown#195896080\n')) continue;
      const m = /^(\d+): \(\d+\) call unknown#195896080\n/.exec(lines[i - 1]!);
      if (!m) return log;
      const insnIdx = Number(m[1]);
      const relo = relos.find((r) => r.insnIdx === insnIdx);
      if (!relo || !this.def.btf) return log;
      let spec: string;
      try {
        spec = formatSpec(parseSpec(this.def.btf, relo.typeId, relo.accessStr ?? '', relo.kind));
      } catch {
        return log;
      }
      lines.splice(
        i - 1,
        2,
        `${insnIdx}: <invalid CO-RE relocation>\n`,
        `failed to resolve CO-RE relocation ${spec}\n`,
      );
      return lines.join('');
    }
    return log;
  }

  private unload(sys: Syscalls): void {
    for (const p of this.allPrograms) {
      if (p.fd >= 0) {
        sys.close(p.fd);
        p.fd = -1;
      }
    }
    for (const m of this.maps) {
      if (m.fd >= 0) {
        sys.close(m.fd);
        m.fd = -1;
      }
    }
    if (this.btfFd >= 0) {
      sys.close(this.btfFd);
      this.btfFd = -1;
    }
  }

  /**
   * Attaches every loaded program with autoattach set whose section names
   * a target; links land in `links` (skeleton `__attach`).
   * @see bpf_object__attach_skeleton
   */
  attach(): void {
    for (const prog of this.programs) {
      if (!prog.autoload || !prog.autoattach || prog.def.secDef?.autoAttach === undefined) continue;
      if (this.links.has(prog.name)) continue;
      try {
        const link = prog.attach();
        if (link) this.links.set(prog.name, link);
      } catch (e) {
        prWarn(`prog '${prog.name}': failed to auto-attach: ${negErrno(e)}`);
        throw e;
      }
    }
  }

  /** Destroys the links made by attach(). @see bpf_object__detach_skeleton */
  detach(): void {
    for (const l of this.links.values()) l.destroy();
    this.links.clear();
  }

  /** Destroys auto-attach links and closes every program, map and BTF fd. @see bpf_object__close */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    if (this.sys) this.unload(this.sys);
  }
}
