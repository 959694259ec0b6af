export { parseGlobalOptions, runCli, VERSION } from './cli.js';
export { type CliIo, createBufferIo } from './io.js';
export { openMachine, withMachine } from './machine.js';
