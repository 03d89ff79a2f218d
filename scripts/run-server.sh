#!/usr/bin/env bash
# Starts hawiya on a working default: SQLite in ./data, CPU, a `dev` tenant whose ApiKey
# it prints with a curl example. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
"$ROOT/scripts/setup.sh"
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p hawiya
export ORT_DYLIB_PATH="$ROOT/.hawiya/lib/libonnxruntime.so"
export HAWIYA_MODELS="$ROOT/.hawiya/models"
export OMP_THREAD_LIMIT=1
exec "$ROOT/target/release/hawiya" serve --dev --data "${HAWIYA_DATA:-$ROOT/data}" "$@"
