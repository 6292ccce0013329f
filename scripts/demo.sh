#!/usr/bin/env bash
# The demo (`npm run demo`): installs what it needs, starts the local sandbox (Temporal dev server,
# moto + drctl extension, PostgreSQL, a drctl worker) with the seeded demo platform and a live write
# load, then runs the three jobs of runbooks/examples/sandbox-demo.yaml against it: a restore
# verification in the isolated account, a drill in the recovery account, and an incident failover
# behind two approvals followed by a failback; then reports and verifies the evidence of the drill.
# Stops at the first step that fails, with that step's exit code. The sandbox keeps running
# afterwards; `npx drctl sandbox down` stops it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Only the Node 22 notice of SDK releases after January 2027; the lockfile pins the SDK.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

RUNBOOK="runbooks/examples/sandbox-demo.yaml"
STEPS=8
OUT=".drctl/demo"
mkdir -p "$OUT"
step() { echo; echo "== $1/$STEPS $2"; }
trap 'rc=$?; [ "$rc" -eq 0 ] || { echo; echo "demo FAILED (exit $rc) in: $BASH_COMMAND" >&2; }' EXIT

bash scripts/ensure-deps.sh

# `sandbox up` installs the sandbox tools (Temporal CLI, moto, PostgreSQL) when they are missing.
step 1 "sandbox: start (or reuse) it, seed the demo platform, start the write load and the worker"
npx drctl sandbox up --load

step 2 "validate $RUNBOOK"
npx drctl validate "$RUNBOOK"

step 3 "plan $RUNBOOK --mode drill (the DAG: what runs in parallel, where each step acts)"
npx drctl plan "$RUNBOOK" --mode drill

step 4 "restore-test $RUNBOOK: restore every resource in the isolated account, check it with SQL, clean up"
npx drctl restore-test "$RUNBOOK"

step 5 "drill $RUNBOOK: tiered failover on copies in the recovery account, production untouched, then cleanup"
DRILL="drill/demo-payments-platform/$(date -u +%Y%m%dT%H%M%SZ)"
npx drctl drill "$RUNBOOK" --id "$DRILL"

step 6 "report and evidence of the drill"
npx drctl report "$DRILL" --format md --out "$OUT/drill-report.md"
npx drctl report "$DRILL" --format html --out "$OUT/drill-report.html"
npx drctl report "$DRILL" --format junit --out "$OUT/drill-report.xml"
npx drctl report "$DRILL" --format json --out "$OUT/drill-report.json"
npx drctl evidence verify "$DRILL"
echo "reports: $OUT/drill-report.html (open it in a browser), $OUT/drill-report.md, $OUT/drill-report.xml (JUnit), $OUT/drill-report.json"

step 7 "incident failover: declared 2 minutes ago, approved by two people who did not start it"
INCIDENT="INC-$(date -u +%H%M%S)"
DECLARED="$(date -u -d '2 minutes ago' +%Y-%m-%dT%H:%M:%SZ)"
FAILOVER="incident/demo-payments-platform/$INCIDENT"
DRCTL_OPERATOR=duty-manager npx drctl failover "$RUNBOOK" --incident "$INCIDENT" --declared-at "$DECLARED" --id "$FAILOVER" &
run=$!
sleep 6
npx drctl approve "$FAILOVER" --as risk-officer --comment "primary region unreachable"
npx drctl approve "$FAILOVER" --as head-of-platform
wait "$run"

step 8 "failback: reprotect to the primary region, wait for lag, approval, fence, promote, switch DNS back"
FAILBACK="failback/demo-payments-platform/$INCIDENT"
DRCTL_OPERATOR=duty-manager npx drctl failback "$FAILOVER" &
run=$!
until npx drctl status "$FAILBACK" 2>/dev/null | grep -q "approve/failback"; do sleep 2; done
npx drctl approve "$FAILBACK" --as risk-officer
wait "$run"

echo
echo "== demo done. The sandbox is still running (npx drctl sandbox status); stop it with: npx drctl sandbox down"
