#!/usr/bin/env bash
# Trains models/trained/id_digits.onnx from synthetic cards, in one command:
#   training/digits/train.sh            (about 25 minutes on 2 cores)
# Env: PYTHON (a Python with torch, numpy, onnx, onnxruntime; default: a venv made under
# ~/.cache/hawiya/torchvenv on first use), CARDS (cards per first-pass dataset process, default 1100), FRONTS (fronts per
# second-pass process, default 450),
# MINUTES (training wall-clock budget, default 12), DATA (scratch folder, default /tmp/hawiya_digits).
set -euo pipefail
cd "$(dirname "$0")/../.."
CARDS=${CARDS:-1100}
MINUTES=${MINUTES:-13}
DATA=${DATA:-/tmp/hawiya_digits}
# Training seed of the synthetic cards; evaluation and tests use other seeds.
SEED=1000
if [ -z "${PYTHON:-}" ]; then
  VENV="$HOME/.cache/hawiya/torchvenv"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, onnx, onnxruntime" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy onnx "onnxruntime==1.31.1"
  fi
  PYTHON="$VENV/bin/python"
fi
export OMP_WAIT_POLICY=PASSIVE   # digits.md: two spinning threads were 3.5x slower than one
cargo build --release -p hawiya-pipeline --example digits_dataset
rm -rf "$DATA" && mkdir -p "$DATA"
# Two processes, one per core, on disjoint card indices: fronts and backs, then fronts
# only (more ID numbers and the house numbers of the first address line).
./target/release/examples/digits_dataset "$DATA/a" "$SEED" 0 "$CARDS" &
./target/release/examples/digits_dataset "$DATA/b" "$SEED" "$CARDS" "$CARDS" &
wait
FRONTS=${FRONTS:-450}
./target/release/examples/digits_dataset "$DATA/c" "$SEED" $((2 * CARDS)) "$FRONTS" fronts &
./target/release/examples/digits_dataset "$DATA/d" "$SEED" $((2 * CARDS + FRONTS)) "$FRONTS" fronts &
wait
mkdir -p models/trained
"$PYTHON" training/digits/train.py --data "$DATA/a" "$DATA/b" "$DATA/c" "$DATA/d" \
  --out models/trained/id_digits.onnx --report models/trained/id_digits.md \
  --minutes "$MINUTES" --threads 2
