#!/usr/bin/env bash
# `npm ci` when node_modules is missing or was installed from another package-lock.json.
# Shared by scripts/test.sh and scripts/demo.sh; exits non-zero when the install fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOCK_STAMP="node_modules/.drctl-package-lock.sha256"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
need_ci=0
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  need_ci=1
elif [ -f "$LOCK_STAMP" ]; then
  [ "$(cat "$LOCK_STAMP")" = "$lock_sum" ] || need_ci=1
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  need_ci=1
fi
if [ "$need_ci" = 1 ]; then
  echo "== npm ci (node_modules missing or stale)"
  npm ci --no-audit --no-fund
fi
echo "$lock_sum" > "$LOCK_STAMP"
