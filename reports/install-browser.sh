#!/usr/bin/env bash
# Installs Debian's chromium (for the HTML report's rendering test) when /usr/bin/chromium is
# missing. Idempotent: with chromium present it only checks. Needs root (apt-get) on a fresh machine.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[drctl browser] $CHROMIUM is missing and installing it needs root: apt-get install chromium" >&2
  exit 1
fi
echo "[drctl browser] installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x "$CHROMIUM" ] || { echo "[drctl browser] $CHROMIUM still missing after apt-get install" >&2; exit 1; }
