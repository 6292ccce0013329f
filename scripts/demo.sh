#!/usr/bin/env bash
# Demo: a local sandbox with the demo platform and a live write load. (The lead fills in the rest.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx drctl sandbox up --load
echo "TODO: validate, plan and run a restore test and a drill against runbooks/examples/sandbox-demo.yaml"
