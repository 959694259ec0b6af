export * from './btf.js';
export * from './types.js';
