// Runs this workspace's TypeScript sources in plain Node 20, without a build
// step: `node --conditions=source --import ./test/source-loader.mjs file.ts`.
// Workspace packages resolve to their src/index.ts through the `source`
// export condition; this hook maps `./x.js` imports to `./x.ts` and strips
// the types with the TypeScript compiler (a root dev dependency).
import { register } from 'node:module';

register('./source-loader-hooks.mjs', import.meta.url);
