import { defineConfig } from 'vitest/config';
import { shared } from './vitest.shared';

export default defineConfig({
  ...shared,
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/integration-env.ts'],
  },
});
