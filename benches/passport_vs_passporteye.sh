#!/usr/bin/env bash
# hawiya's passport reader and PassportEye on the same MRZ images, one after the other,
# on the same machine (benches/results/passport.md).
#   benches/passport_vs_passporteye.sh [DIR]      (default ../shared/data/passporteye_mrz)
# Env: PE_PYTHON, a Python with passporteye installed (pip install passporteye in a venv;
# it needs Debian's tesseract-ocr with `eng`). Default /tmp/pe/bin/python.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-../shared/data/passporteye_mrz}
PE_PYTHON=${PE_PYTHON:-/tmp/pe/bin/python}
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$PWD/.hawiya/lib/libonnxruntime.so}
export HAWIYA_MODELS=${HAWIYA_MODELS:-$PWD/.hawiya/models}
export OMP_THREAD_LIMIT=1
cargo build --release -q -p hawiya-pipeline --example passport_eval
echo "== hawiya (fast path, then PP-OCR fallbacks) =="
target/release/examples/passport_eval --dir "$DIR"
echo "== hawiya, DB detector path only (the reader before the fast path) =="
target/release/examples/passport_eval --dir "$DIR" --no-fast
echo "== PassportEye =="
PYTHONWARNINGS=ignore "$PE_PYTHON" benches/passporteye_eval.py "$DIR"
