#!/usr/bin/env bash
# Build hawiya's ONNX models and extract the ONNX Runtime library.
#
#   models/build.sh [OUT_DIR] [--gpu] [--only NAME]... [--force] [--no-lib]
#
# Cache: ${HAWIYA_CACHE:-$HOME/.cache/hawiya}/{venv,pkgs,extract}; default OUT_DIR is
# ${HAWIYA_CACHE}/models; the runtime goes to OUT_DIR/../lib (or lib-gpu with --gpu).
# Needs python3.11+ (venv module) and, for the npm packages, npm. See models/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export HAWIYA_CACHE="${HAWIYA_CACHE:-$HOME/.cache/hawiya}"
venv="$HAWIYA_CACHE/venv"

# pinned build tools (the whole resolved set, so the venv is the same everywhere)
REQS="numpy==2.4.6 onnx==1.23.2 onnxruntime==1.31.1 protobuf==7.36.2 ml_dtypes==0.6.0 flatbuffers==25.12.19 packaging==26.4 typing_extensions==4.16.0"

py="${PYTHON:-}"
if [[ -z "$py" ]]; then
  for c in python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null 2>&1; then py="$c"; break; fi
  done
fi
if [[ -z "$py" ]] || ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "models/build.sh: needs Python >= 3.11 (set PYTHON=...)" >&2
  exit 1
fi

stamp="$venv/.hawiya-reqs"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$REQS" ]]; then
  echo "[models] creating venv $venv"
  rm -rf "$venv"
  mkdir -p "$HAWIYA_CACHE"
  "$py" -m venv "$venv"
  # registry only: ignore any local wheel directory configured on the machine
  PIP_FIND_LINKS= "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q $REQS
  echo "$REQS" > "$stamp"
fi

exec "$venv/bin/python" "$here/build.py" "$@"
