#!/usr/bin/env bash
# The test command: installs what it needs (scripts/setup.sh), starts a throwaway
# PostgreSQL so the store and server tests run against both databases, runs every test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# The console's browser test needs Debian's Chromium and its WebDriver.
HAWIYA_EXTRA_PACKAGES="chromium chromium-driver ${HAWIYA_EXTRA_PACKAGES:-}" "$ROOT/scripts/setup.sh"
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${HAWIYA_TEST_PG_URL:-}" ]; then
  HAWIYA_TEST_PG_URL=$("$ROOT/scripts/postgres.sh" start)
  export HAWIYA_TEST_PG_URL
  trap '"$ROOT/scripts/postgres.sh" stop' EXIT
fi
echo "[test] PostgreSQL at $HAWIYA_TEST_PG_URL" >&2

"$ROOT/scripts/lint-deploy.sh"

export OMP_THREAD_LIMIT=1
cargo test --workspace --no-fail-fast "$@"
