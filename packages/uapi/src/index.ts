export * from './attr.js';
export * from './constants.js';
export * from './errno.js';
export * from './error.js';
export * from './generated/enums.js';
export * from './generated/helpers.js';
export * from './opcodes.js';
