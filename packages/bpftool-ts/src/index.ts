export { runCli, parseGlobalOptions, VERSION } from './cli.js';
export { createBufferIo, type CliIo } from './io.js';
export { openMachine, withMachine } from './machine.js';
