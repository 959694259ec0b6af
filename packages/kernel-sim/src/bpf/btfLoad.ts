/** BPF_BTF_LOAD: validated by @tsbpf/btf (checkBtfLoad/parseBtf) when it provides them. */
import * as btfPkg from '@tsbpf/btf';
import { BpfError, type BtfLoadAttr, type Errno } from '@tsbpf/uapi';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { VerifierLog } from './log.js';
import { BtfObj } from './objects.js';
import { bpfObjNewFd } from './syscall.js';

type CheckFn = (
  b: Uint8Array,
  o: { logLevel: number; logSize: number },
) => { errno?: string; log: string; logTrueSize: number };

function tryParse(bytes: Uint8Array): btfPkg.Btf | undefined {
  try {
    return btfPkg.parseBtf(bytes);
  } catch {
    return undefined;
  }
}

/** BTF_MAX_SIZE */
const BTF_MAX_SIZE = 16 * 1024 * 1024;

export function btfLoad(k: Kernel, proc: Process, attr: BtfLoadAttr): number {
  if (attr.btf_flags) throw new BpfError('EINVAL');
  const log = VerifierLog.init(attr.btf_log_level ?? 0, attr.btf_log_buf, attr.btf_log_size ?? 0);
  if (!log) throw new BpfError('EINVAL');
  if (attr.btf_size > BTF_MAX_SIZE) throw new BpfError('E2BIG');
  if (attr.btf.length < attr.btf_size) throw new BpfError('EFAULT');
  const bytes = attr.btf.slice(0, attr.btf_size);
  const api = btfPkg as Record<string, unknown>;
  const check = api.checkBtfLoad as CheckFn | undefined;
  let btf: btfPkg.Btf | undefined;
  if (typeof check === 'function') {
    // @tsbpf/btf runs btf_parse with the kernel's log rules; we copy out what landed in the user buffer.
    const r = check(bytes, { logLevel: attr.btf_log_level ?? 0, logSize: attr.btf_log_size ?? 0 });
    if (attr.btf_log_buf && r.log.length > 0) {
      const text = new TextEncoder().encode(r.log);
      const n = Math.min(text.length, attr.btf_log_buf.length - 1);
      attr.btf_log_buf.set(text.subarray(0, n));
      attr.btf_log_buf[n] = 0;
    }
    attr.btf_log_true_size = r.logTrueSize;
    if (r.errno) throw new BpfError(r.errno as Errno, undefined, { log: r.log });
    btf = tryParse(bytes);
  } else {
    let errno: Errno | undefined;
    try {
      btf = (api.parseBtf as ((b: Uint8Array) => btfPkg.Btf) | undefined)?.(bytes);
      if (!btf && (bytes.length < 24 || bytes[0] !== 0x9f || bytes[1] !== 0xeb)) {
        log.write('btf_header not found\n');
        errno = 'EINVAL';
      }
    } catch (e) {
      if (!(e instanceof btfPkg.BtfError)) throw e;
      log.write(`${e.message}\n`);
      errno = 'EINVAL';
    }
    const fin = log.finalize();
    attr.btf_log_true_size = fin.trueSize;
    if (fin.errno) errno = fin.errno;
    if (errno) throw new BpfError(errno, undefined, { log: log.text() });
  }
  const obj = new BtfObj(bytes, btf, '', false);
  obj.id = k.bpfIds.btfs.alloc(obj);
  return bpfObjNewFd(k, proc, { kind: 'btf', btf: obj });
}
