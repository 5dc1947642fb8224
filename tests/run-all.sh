#!/usr/bin/env bash
# `npm test`: every level, against real Kafka, FerretDB and Redis brought up by the launcher
# (or the URLs in KAFKA_BROKERS / MONGO_URL / REDIS_URL). Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash infra/bootstrap.sh || exit 1
mkdir -p coverage
status=0
step() {
  local name=$1; shift
  echo
  echo "=== $name ==="
  if ! "$@"; then
    echo "=== $name FAILED ==="
    status=1
  fi
}
step "services" npx tsx infra/launcher/cli.ts up
step "lint" npm run lint --silent
step "typecheck" npx tsc --noEmit -p tsconfig.json
step "build" npx tsx openfaas/build.ts
step "unit" npx vitest run --config tests/vitest.unit.config.ts --coverage --reporter=default --reporter=json --outputFile.json=coverage/unit-results.json
step "integration" npx vitest run --config tests/vitest.integration.config.ts --coverage --reporter=default --reporter=json --outputFile.json=coverage/integration-results.json
step "e2e" npx vitest run --config tests/vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=coverage/e2e-results.json
node tests/support/summary.js coverage/unit-results.json coverage/integration-results.json coverage/e2e-results.json || status=1
exit $status
