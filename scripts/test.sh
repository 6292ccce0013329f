#!/usr/bin/env bash
# The project's test command (`npm test`, called by .ci/run): dependencies, sandbox tools,
# typecheck, lint, then jest (unit + integration against a fresh test sandbox). Extra arguments go
# to jest. The last line printed is always `N passed, N failed`, computed from jest's JSON report;
# a failed typecheck or lint counts as one failed test each, and so does a suite that could not run.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .drctl
RESULTS=".drctl/jest-results.json"
# Only the Node 22 notice of SDK releases after January 2027; the lockfile pins the SDK.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

extra_failed=0
step() { echo; echo "== $*"; }

# Dependencies: `npm ci` when node_modules is missing or stale.
bash scripts/ensure-deps.sh || extra_failed=$((extra_failed + 1))

step "sandbox tools"
bash sandbox/install-tools.sh || extra_failed=$((extra_failed + 1))
bash reports/install-browser.sh || extra_failed=$((extra_failed + 1))

step "typecheck: tsc -p tsconfig.json"
if npx tsc -p tsconfig.json; then echo "typecheck ok"; else echo "typecheck FAILED"; extra_failed=$((extra_failed + 1)); fi

step "lint: eslint ."
if npx eslint .; then echo "lint ok"; else echo "lint FAILED"; extra_failed=$((extra_failed + 1)); fi

step "jest"
rm -f "$RESULTS"
# In band: integration tests share one sandbox whose simulated clock some tests change for a moment.
npx jest --runInBand --json --outputFile="$RESULTS" "$@"
jest_rc=$?

counts="$(node -e '
  const fs = require("fs");
  let r;
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { console.log("0 1"); process.exit(0); }
  const passed = r.numPassedTests || 0;
  // A suite that failed without running a test (import error, failed hook, ...) is a failure too.
  const brokenSuites = (r.testResults || []).filter((s) => s.status === "failed" && !(s.assertionResults || []).some((a) => a.status === "failed")).length;
  console.log(passed + " " + ((r.numFailedTests || 0) + brokenSuites));
' "$RESULTS")"
passed="${counts% *}"
failed="${counts#* }"
# jest failed with nothing to show for it (globalSetup error, no tests matched, ...): one failure.
if [ "$jest_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
failed=$((failed + extra_failed))

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
