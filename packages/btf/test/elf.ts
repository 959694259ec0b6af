/** Tiny ELF64 section reader for tests (the real ELF reader lives in bpf-vm). */
export function elfSection(elf: Uint8Array, name: string): Uint8Array | undefined {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const le = elf[5] === 1;
  const shoff = Number(dv.getBigUint64(0x28, le));
  const shentsize = dv.getUint16(0x3a, le);
  const shnum = dv.getUint16(0x3c, le);
  const shstrndx = dv.getUint16(0x3e, le);
  const sh = (i: number) => {
    const b = shoff + i * shentsize;
    return {
      name: dv.getUint32(b, le),
      offset: Number(dv.getBigUint64(b + 0x18, le)),
      size: Number(dv.getBigUint64(b + 0x20, le)),
    };
  };
  const strtab = sh(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    let e = strtab.offset + s.name;
    while (elf[e] !== 0) e++;
    const n = new TextDecoder().decode(elf.subarray(strtab.offset + s.name, e));
    if (n === name) return elf.subarray(s.offset, s.offset + s.size);
  }
  return undefined;
}
