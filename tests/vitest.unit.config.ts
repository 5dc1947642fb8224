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
      // Unit coverage measures the logic unit tests are for. Adapters whose whole job is talking
      // to a real server (Mongo models and stores, Redis stores, the Kafka connector and relay
      // wiring, the gateway's HTTP server, the bundler, CLIs) are measured by the integration run.
      exclude: [
        '**/*.d.ts',
        '**/types.ts',
        'functions/*/model.ts',
        'functions/*/store.ts',
        'functions/*/repository.ts',
        'functions/*/deps.ts',
        'layers/connections/**',
        'layers/idempotency/redis-store.ts',
        'layers/locks/lease.ts',
        'openfaas/build.ts',
        'openfaas/watchdog.ts',
        'openfaas/gateway/main.ts',
        'openfaas/gateway/server.ts',
        'openfaas/gateway/invoke-http.ts',
        'openfaas/gateway/dev-token.ts',
        'triggers/provision.ts',
        'triggers/asyncapi.ts',
      ],
      reporter: ['text-summary', 'json-summary'],
      // The seed's targets: unit > 80 %, integration > 60 %.
      thresholds: { lines: 80, statements: 80 },
      reportsDirectory: 'coverage/unit',
    },
  },
});
