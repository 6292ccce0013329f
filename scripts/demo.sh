#!/usr/bin/env bash
# The demo (`npm run demo`): installs what it needs, starts the local sandbox (Temporal dev server,
# moto + drctl extension, PostgreSQL, a drctl worker) with the seeded demo platform and a live write
# load, then validates, plans and restore-tests runbooks/examples/sandbox-demo.yaml against it.
# Stops at the first step that fails, with that step's exit code. The sandbox keeps running
# afterwards; `npx drctl sandbox down` stops it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Only the Node 22 notice of SDK releases after January 2027; the lockfile pins the SDK.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

RUNBOOK="runbooks/examples/sandbox-demo.yaml"
STEPS=4
step() { echo; echo "== $1/$STEPS $2"; }
trap 'rc=$?; [ "$rc" -eq 0 ] || { echo; echo "demo FAILED (exit $rc) in: $BASH_COMMAND" >&2; }' EXIT

# Dependencies: `npm ci` when node_modules is missing or older than package-lock.json (as scripts/test.sh).
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

# `sandbox up` installs the sandbox tools (Temporal CLI, moto, PostgreSQL) when they are missing.
step 1 "sandbox: start (or reuse) it, seed the demo platform, start the write load and the worker"
npx drctl sandbox up --load

step 2 "validate $RUNBOOK"
npx drctl validate "$RUNBOOK"

step 3 "plan $RUNBOOK --mode restore-test"
npx drctl plan "$RUNBOOK" --mode restore-test

step 4 "restore-test $RUNBOOK: restore every resource in the isolated account, check it with SQL, clean up"
npx drctl restore-test "$RUNBOOK"

# ---- LEAD: drill and report steps go here (bump STEPS above) -----------------------------------
#   e.g. step 5 "drill …"   npx drctl drill "$RUNBOOK" …
#        step 6 "report …"  npx drctl report …
# ------------------------------------------------------------------------------------------------

echo
echo "== demo done. The sandbox is still running (npx drctl sandbox status); stop it with: npx drctl sandbox down"
