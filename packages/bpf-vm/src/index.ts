export * from './elf.js';
export * from './engine.js';
export * from './insn.js';
export * from './memory.js';
export * from './interp.js';
