import { defineConfig } from 'vitest/config';
import { coverageSources, shared } from './vitest.shared';

export default defineConfig({
  ...shared,
  test: {
    include: ['tests/integration/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Real Kafka, FerretDB and Redis on 2 cores: files run one after another, each with room to wait.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/integration-env.ts'],
    coverage: {
      provider: 'v8',
      include: coverageSources,
      exclude: ['**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      // The seed's targets: unit > 80 %, integration > 60 %.
      thresholds: { lines: 60, statements: 60 },
      reportsDirectory: 'coverage/integration',
    },
  },
});
