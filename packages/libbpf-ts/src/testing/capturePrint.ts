/**
 * Test helper: installs a print callback that collects every libbpf message
 * ("libbpf: ...\n") for the duration of each test of the calling file, and
 * restores the previous callback afterwards.
 */
import { afterEach, beforeEach } from 'vitest';
import { type PrintFn, setPrint } from '../print.js';

/** The returned array is emptied before each test and filled as messages arrive. */
export function capturePrint(): string[] {
  const messages: string[] = [];
  let prev: PrintFn | null = null;
  beforeEach(() => {
    messages.length = 0;
    prev = setPrint((_, m) => messages.push(m));
  });
  afterEach(() => {
    setPrint(prev);
  });
  return messages;
}
