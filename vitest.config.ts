import { defineConfig } from 'vitest/config';

// Heavy cross-checks run only with NNFT_LONG=1 (see README). The default suite must stay a few minutes
// on a 2-core CI machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
