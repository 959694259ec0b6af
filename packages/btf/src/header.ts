import { BtfError } from './btf.js';

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_SIZE = 24;

/** struct btf_header. */
export interface BtfHeader {
  magic: number;
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

/** Detects the byte order from the magic; throws BtfError when it is neither. */
export function btfByteOrder(bytes: Uint8Array): boolean {
  if (bytes.length < 2) throw new BtfError(`BTF of ${bytes.length} bytes is too short for a header`);
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) return true;
  if (bytes[0] === 0xeb && bytes[1] === 0x9f) return false;
  throw new BtfError(`bad BTF magic 0x${((bytes[1]! << 8) | bytes[0]!).toString(16)}`);
}

/** Reads and bounds-checks struct btf_header. */
export function readBtfHeader(bytes: Uint8Array): { header: BtfHeader; le: boolean } {
  const le = btfByteOrder(bytes);
  if (bytes.length < BTF_HEADER_SIZE)
    throw new BtfError(`BTF of ${bytes.length} bytes is too short for a header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: BtfHeader = {
    magic: BTF_MAGIC,
    version: dv.getUint8(2),
    flags: dv.getUint8(3),
    hdrLen: dv.getUint32(4, le),
    typeOff: dv.getUint32(8, le),
    typeLen: dv.getUint32(12, le),
    strOff: dv.getUint32(16, le),
    strLen: dv.getUint32(20, le),
  };
  const h = header;
  if (h.version !== BTF_VERSION) throw new BtfError(`unsupported BTF version ${h.version}`);
  if (h.hdrLen < BTF_HEADER_SIZE || h.hdrLen > bytes.length)
    throw new BtfError(`BTF header length ${h.hdrLen} is invalid`);
  for (let i = BTF_HEADER_SIZE; i < h.hdrLen; i++)
    if (bytes[i] !== 0) throw new BtfError('BTF header has unsupported non-zero fields');
  const data = bytes.length - h.hdrLen;
  if (h.typeOff + h.typeLen > data || h.typeOff + h.typeLen < h.typeOff)
    throw new BtfError('BTF type section is beyond the end of data');
  if (h.strOff + h.strLen > data || h.strOff + h.strLen < h.strOff)
    throw new BtfError('BTF string section is beyond the end of data');
  if (h.typeOff % 4 !== 0) throw new BtfError('BTF type section is not aligned');
  if (h.typeLen % 4 !== 0) throw new BtfError('BTF type section length is not a multiple of 4');
  return { header, le };
}
