import { defineConfig } from 'vitest/config';
import { coverageSources, shared } from './vitest.shared';

export default defineConfig({
  ...shared,
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'threads',
    testTimeout: 10_000,
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    coverage: {
      provider: 'v8',
      include: coverageSources,
      exclude: ['**/*.d.ts', 'openfaas/gateway/main.ts', 'openfaas/gateway/dev-token.ts', 'triggers/provision.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage/unit',
    },
  },
});
