#!/usr/bin/env bash
# Load benchmark of a release `hawiya serve` on this machine (issue 13):
#   benches/load.sh [SECONDS per level, default 20] [ROUTES, default "passport id/front"]
# For each route and 1, 2, 8 and 32 concurrent clients: sustained requests a second,
# p50 and p99 latency, the status codes, and the server's resident memory after the level.
# Then overload (64 clients on a queue of 8: 429s expected, nothing else) and graceful
# shutdown (SIGTERM during a request: the request completes, the process exits 0).
# Installs oha (a Rust HTTP load generator) with cargo into ~/.cache/hawiya/tools once.
# Prints Markdown; benches/results/load.md keeps a run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECS=${1:-20}
ROUTES=${2:-"passport id/front"}
TOOLS="$HOME/.cache/hawiya/tools"
OHA="$TOOLS/bin/oha"
if [ ! -x "$OHA" ]; then
  cargo install oha --version 1.16.0 --locked --root "$TOOLS" >&2
fi
scripts/setup.sh >&2
export ORT_DYLIB_PATH="$ROOT/.hawiya/lib/libonnxruntime.so" HAWIYA_MODELS="$ROOT/.hawiya/models" OMP_THREAD_LIMIT=1
cargo build --release -q -p hawiya --bin hawiya
BIN="$ROOT/target/release/hawiya"
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
KEY=$("$BIN" tenant add load --user load@bench --password pw-load --data "$WORK/data" | tail -n 1)
# Sample documents: a synthetic passport and ID front, easy photos that both read in full
# (the benchmark measures reads, not refusals).
"$BIN" synth --kind passport --n 1 --seed 77 --difficulty easy --out "$WORK/docs" >/dev/null
"$BIN" synth --kind id_front --n 1 --seed 31337 --difficulty easy --out "$WORK/docs" >/dev/null
body() { printf '{"image":"%s"}' "$(base64 -w0 "$1")" > "$2"; }
body "$WORK/docs/passport_77_0.jpg" "$WORK/passport.json"
body "$WORK/docs/id_front_31337_0.jpg" "$WORK/id_front.json"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

start_server() { # $1: queue capacity
  HAWIYA_RATE_PER_SECOND=1000000 HAWIYA_RATE_PER_MINUTE=100000000 HAWIYA_QUEUE_CAPACITY="$1" \
  HAWIYA_VALIDITY_DATE=2026-11-01 HAWIYA_LOG_FORMAT=json \
    "$BIN" serve --listen "127.0.0.1:$PORT" --data "$WORK/data" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 600); do
    curl -sf "$BASE/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not become ready" >&2; exit 1
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status"; }

start_server 32
TOKEN=$(curl -sf "$BASE/api/credentials/Login" -H "ApiKey: $KEY" -H 'Content-Type: application/json' \
  -d '{"tenancyName":"load","userNameOrEmailAddress":"load@bench","password":"pw-load"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')
run_oha() { # $1 route, $2 body file, $3 concurrency, $4 seconds
  "$OHA" -z "${4}s" -c "$3" --no-tui --output-format json -m POST \
    -H "ApiKey: $KEY" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -D "$2" "$BASE/v1/ocr/$1"
}
summary() { python3 "$WORK/summary.py"; }
cat >"$WORK/summary.py" <<'PY'
import json, sys
r = json.load(sys.stdin)
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
errs = r.get("errorDistribution", {})
ms = lambda v: "-" if v is None else "%.0f" % (v * 1000)
extra = (" errors " + json.dumps(errs)) if errs else ""
print("%.2f | %s | %s | %s%s" % (s["requestsPerSec"], ms(p.get("p50")), ms(p.get("p99")), json.dumps(codes), extra))
PY

echo "## Load ($(date -u +%F), $(nproc --all) cores, ${SECS} s per level, workers = cores, queue 32)"
echo
echo "| route | clients | requests/s | p50 ms | p99 ms | status codes | RSS MiB after |"
echo "|---|---|---|---|---|---|---|"
for route in $ROUTES; do
  case "$route" in
    passport) file="$WORK/passport.json" ;;
    id/front) file="$WORK/id_front.json" ;;
    *) echo "no sample body for $route" >&2; exit 1 ;;
  esac
  for c in 1 2 8 32; do
    line=$(run_oha "$route" "$file" "$c" "$SECS" | summary)
    echo "| $route | $c | $line | $(rss_mb) |"
  done
done

kill -TERM $SERVER; wait $SERVER || true
echo
echo "## Overload: 64 clients, queue of 8, passport, ${SECS} s"
start_server 8
TOKEN=$(curl -sf "$BASE/api/credentials/Login" -H "ApiKey: $KEY" -H 'Content-Type: application/json' \
  -d '{"tenancyName":"load","userNameOrEmailAddress":"load@bench","password":"pw-load"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')
before=$(rss_mb)
echo
echo "| requests/s | p50 ms | p99 ms | status codes | RSS MiB before -> after |"
echo "|---|---|---|---|---|"
line=$(run_oha passport "$WORK/passport.json" 64 "$SECS" | summary)
echo "| $line | $before -> $(rss_mb) |"

echo
echo "\"aborted due to deadline\" counts oha's own requests still in flight when each level's time ran out."
echo
echo "## Graceful shutdown"
sleep 5 # let the overload's queue drain
curl -s -o "$WORK/inflight.json" -w '%{http_code}' "$BASE/v1/ocr/id/front" -H "ApiKey: $KEY" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d @"$WORK/id_front.json" \
  >"$WORK/inflight.code" &
CURL=$!
sleep 0.3
kill -TERM $SERVER
set +e
wait $SERVER; rc=$?
wait $CURL
set -e
echo
echo "SIGTERM 0.3 s into an id/front request: request answered HTTP $(cat "$WORK/inflight.code"), server exit status $rc."
