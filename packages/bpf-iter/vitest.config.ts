import { defineProject } from 'vitest/config';
import { sourceConditions, testDefaults } from '../../vitest.shared.js';

export default defineProject({
  ...sourceConditions,
  test: { ...testDefaults, name: 'bpf-iter', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
