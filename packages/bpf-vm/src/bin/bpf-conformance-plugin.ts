#!/usr/bin/env node
/**
 * bpf_conformance plugin executable: see ../plugin.ts for the protocol.
 * Run by the official runner as
 *   bpf_conformance_runner --plugin_path <this> --plugin_options "--engine interp" ...
 */
import fs from 'node:fs';
import { runPlugin } from '../plugin.js';

const result = runPlugin(process.argv.slice(2), () => fs.readFileSync(0));
if (result.stdout) process.stdout.write(result.stdout);
if (result.stderr) process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
