// Workspace packages export their TypeScript sources under the `source`
// condition, so tests run against src/ without a build of the packages below.
export const sourceConditions = {
  resolve: { conditions: ['source', 'module', 'node', 'import', 'default'] },
  ssr: {
    resolve: {
      conditions: ['source', 'module', 'node', 'import', 'default'],
      externalConditions: ['source'],
    },
  },
};

// CI machines have two cores and turbo runs every package's suite at once, so
// a test that takes 1 s alone can take 10 s there. Timeouts guard against
// hangs, not slowness; speed is measured by `pnpm bench`.
export const testDefaults = { testTimeout: 120_000, hookTimeout: 120_000 };
