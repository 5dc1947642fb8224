#!/usr/bin/env bash
# Installs node modules when they are missing or older than the lock file, so that
# `npm start` and `npm test` work on a fresh clone. Backing services are the launcher's job.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "bootstrap: installing node modules (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
