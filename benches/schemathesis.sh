#!/usr/bin/env bash
# Contract test of a running `hawiya serve` against its own /openapi.json with schemathesis
# (issue 13):
#   benches/schemathesis.sh [MAX_EXAMPLES per operation, default 50] [extra schemathesis args...]
# Installs schemathesis into a virtual environment under /tmp (never into the repository),
# builds the binary (PROFILE=release for a release build; debug by default; HAWIYA_BIN=PATH
# uses a built one), starts the
# server with a `dev` tenant on SQLite in a temporary folder, logs in per api.md, and runs
# every check with the ApiKey and bearer token on every request. The reports (JUnit, NDJSON)
# land in $OUT (default /tmp/hawiya-schemathesis). Exits with schemathesis' status.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
EXAMPLES=${1:-50}
shift || true
VENV=${SCHEMATHESIS_VENV:-/tmp/hawiya-schemathesis-venv}
OUT=${OUT:-/tmp/hawiya-schemathesis}
SEED=${SEED:-13}
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==${SCHEMATHESIS_VERSION:-4.32.5}"
fi
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$ROOT/.hawiya/lib/libonnxruntime.so}
export HAWIYA_MODELS=${HAWIYA_MODELS:-$ROOT/.hawiya/models}
export OMP_THREAD_LIMIT=1
PROFILE=${PROFILE:-debug}
if [ -n "${HAWIYA_BIN:-}" ]; then
  BIN=$HAWIYA_BIN # an already built binary
elif [ "$PROFILE" = release ]; then
  cargo build --release -q -p hawiya --bin hawiya
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/hawiya"
else
  cargo build -q -p hawiya --bin hawiya
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/hawiya"
fi
WORK=$(mktemp -d)
mkdir -p "$OUT"
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
# No rate limit: schemathesis sends hundreds of requests a minute (429 is documented, but
# it would hide every other answer). Two workers, the default queue.
HAWIYA_RATE_PER_SECOND=1000000 HAWIYA_RATE_PER_MINUTE=100000000 HAWIYA_WORKERS=2 \
  "$BIN" serve --dev --listen "127.0.0.1:$PORT" --data "$WORK/data" >"$WORK/stdout" 2>"$OUT/server.log" &
SERVER=$!
for _ in $(seq 900); do
  curl -sf "$BASE/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "$BASE/ready" >/dev/null || { echo "server did not become ready" >&2; exit 1; }
KEY=$(sed -n 's/^ApiKey: //p' "$WORK/stdout")
TOKEN=$(curl -sf "$BASE/api/credentials/Login" -H "ApiKey: $KEY" -H 'Content-Type: application/json' \
  -d '{"tenancyName":"dev","userNameOrEmailAddress":"dev@localhost","password":"dev"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])')
# A schema can say "base64 JPEG or PNG" but not "a readable photo of this document": a
# schema-valid image that is not JPEG/PNG (415), over the canvas limit (413) or not a
# readable document (422) is refused by its content, with those documented statuses.
# Everything else about positive data acceptance stays as schemathesis has it.
cat >"$WORK/schemathesis.toml" <<'TOML'
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "413", "415", "422", "429", "5xx"]
TOML
# Run from the temporary folder: schemathesis keeps a .schemathesis cache in its cwd.
cd "$WORK"
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$BASE/openapi.json" \
  -H "ApiKey: $KEY" -H "Authorization: Bearer $TOKEN" \
  --checks all --max-examples "$EXAMPLES" --seed "$SEED" --workers 2 \
  --request-timeout 120 --output-sanitize true \
  --report junit,ndjson --report-dir "$OUT" "$@"
