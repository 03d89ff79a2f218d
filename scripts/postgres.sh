#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL for the tests, from Debian's packages.
#   scripts/postgres.sh start   prints the URL to use as HAWIYA_TEST_PG_URL
#   scripts/postgres.sh stop
set -euo pipefail
PGPORT=${HAWIYA_TEST_PG_PORT:-55432}
PGROOT=${HAWIYA_TEST_PG_DIR:-/tmp/hawiya-pg-$PGPORT}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

run_pg() {
  # PostgreSQL refuses to run as root: use the postgres user when we are root.
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$(bindir)" ]; then
      echo "[postgres] installing postgresql" >&2
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    BIN=$(bindir)
    mkdir -p "$PGROOT"
    [ "$(id -u)" = 0 ] && chown postgres "$PGROOT"
    if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
      run_pg "$BIN/initdb -D $PGROOT/data -A trust -U postgres >/dev/null"
    fi
    if ! run_pg "$BIN/pg_ctl -D $PGROOT/data status" >/dev/null 2>&1; then
      run_pg "$BIN/pg_ctl -D $PGROOT/data -o '-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' -l $PGROOT/log -w start" >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    BIN=$(bindir)
    [ -n "$BIN" ] && [ -d "$PGROOT/data" ] && run_pg "$BIN/pg_ctl -D $PGROOT/data -m fast stop" >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
