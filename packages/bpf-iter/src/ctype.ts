/**
 * The kernel's ctype table (lib/ctype.c): ISO 8859-1, so bytes 0x80-0x9f are
 * control characters and 0xa0-0xff are printable. bpf_bprintf_prepare()
 * validates formats with these classes.
 */
const C = 0x01; // control
const U = 0x02; // upper
const L = 0x04; // lower
const D = 0x08; // digit
const P = 0x10; // punct
const S = 0x20; // white space
const SP = 0x80; // hard space (0x20, 0xa0)

const table = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  let v = 0;
  if (c < 32 || c === 127 || (c >= 128 && c < 160)) v = C;
  if ((c >= 9 && c <= 13) || c === 32 || c === 160) v |= S;
  if (c === 32 || c === 160) v |= SP;
  if (c >= 0x30 && c <= 0x39) v = D;
  else if (c >= 0x41 && c <= 0x5a) v = U;
  else if (c >= 0x61 && c <= 0x7a) v = L;
  else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
    v = P;
  else if ((c >= 161 && c <= 191) || c === 215 || c === 247) v = P;
  else if ((c >= 192 && c <= 214) || (c >= 216 && c <= 222)) v = U;
  else if (c >= 223 && c <= 255) v = L;
  table[c] = v;
}

const cls = (c: number): number => table[c & 0xff] ?? 0;

export const isPrint = (c: number): boolean => (cls(c) & (P | U | L | D | SP)) !== 0;
export const isSpace = (c: number): boolean => (cls(c) & S) !== 0;
export const isPunct = (c: number): boolean => (cls(c) & P) !== 0;
export const isAlnum = (c: number): boolean => (cls(c) & (U | L | D)) !== 0;
export const isDigit = (c: number): boolean => (cls(c) & D) !== 0;
