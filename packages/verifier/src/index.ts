export * from './btfAccess.js';
export * from './domains/tnum.js';
export * from './platform.js';
export { formatReg, regTypeStr } from './regState.js';
export {
  BPF_COMPLEXITY_LIMIT_INSNS,
  type VerifyRequest,
  type VerifyResult,
  type VerifyStats,
  verify,
} from './verify.js';
