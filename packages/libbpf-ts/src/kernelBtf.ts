/**
 * Reading kernel BTF the way libbpf does: open /sys/kernel/btf/vmlinux and
 * read it to the end through the Syscalls door; a custom path (raw BTF or an
 * ELF file with a .BTF section) can replace it.
 *
 * @see btf__load_vmlinux_btf, libbpf_find_kernel_btf, btf__parse (tools/lib/bpf/btf.c)
 */
import { parseElf } from '@tsbpf/bpf-vm';
import { BTF_MAGIC, type Btf, parseBtf } from '@tsbpf/btf';
import { O_RDONLY, type Syscalls } from '@tsbpf/uapi';

export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** Reads a whole file with open + read loop + close. Throws the BpfError of a failing call. */
export function readWholeFile(sys: Syscalls, path: string): Uint8Array {
  const fd = sys.open(path, O_RDONLY);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(1 << 16);
      const n = sys.read(fd, buf);
      if (n <= 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  } finally {
    sys.close(fd);
  }
}

/** Raw BTF bytes from raw BTF (either byte order) or from an ELF's .BTF section. @see btf__parse */
export function btfBytesOf(data: Uint8Array): Uint8Array {
  if (data.length >= 2) {
    const m = data[0]! | (data[1]! << 8);
    if (m === BTF_MAGIC || (((m & 0xff) << 8) | (m >> 8)) === BTF_MAGIC) return data;
  }
  const elf = parseElf(data);
  const sec = elf.sectionByName('.BTF');
  if (!sec) throw new Error('no .BTF section');
  return sec.data;
}

/** Loads and parses BTF from a file path through the syscalls. */
export function loadBtfFile(sys: Syscalls, path: string): Btf {
  return parseBtf(btfBytesOf(readWholeFile(sys, path)));
}
