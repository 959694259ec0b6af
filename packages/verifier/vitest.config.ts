import { defineProject } from 'vitest/config';
import { sourceConditions, testDefaults } from '../../vitest.shared.js';


export default defineProject({
  ...sourceConditions,
  test: { ...testDefaults, name: 'verifier', include: ['src/**/*.test.ts'] },
});
