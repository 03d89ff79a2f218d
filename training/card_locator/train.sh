#!/usr/bin/env bash
# Trains the card locator from scratch, in one command, with fixed seeds:
#   training/card_locator/train.sh            (SCENES=20000 MINUTES=30 by default)
# 1. renders SCENES synth scenes (seed 1001) with the pipeline's dataset program
#    (crates/pipeline/examples/card_dataset.rs: letterboxed 256 x 256 inputs + corners),
# 2. trains the corner-heatmap CNN (train.py; CUDA when available, else CPU with 2
#    threads), exports ONNX,
# 3. checks onnxruntime against PyTorch (check.py),
# 4. copies the model to models/trained/card_locator.onnx and measures it with
#    crates/pipeline/examples/card_eval.rs.
# Needs a Python with torch, onnx, onnxruntime, numpy (PYTHON=...); not the product.
# The shipped model came from device_run.sh (same steps, time-bounded, on a leased GPU);
# see models/trained/card_locator.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
SCENES=${SCENES:-20000}
MINUTES=${MINUTES:-30}
WORK=${WORK:-${TMPDIR:-/tmp}/card_locator_train}
THREADS=${THREADS:-$(nproc)}
export OMP_WAIT_POLICY=PASSIVE TRAIN_THREADS=${TRAIN_THREADS:-2}
mkdir -p "$WORK"
cargo build --release -p hawiya-pipeline --example card_dataset --example card_eval
./target/release/examples/card_dataset "$WORK/data" 1001 "$SCENES" 256 "$THREADS"
$PY training/card_locator/train.py "$WORK/data" --out "$WORK/out" --minutes "$MINUTES" --seed 0
(cd training/card_locator && $PY check.py "$WORK/out" "$WORK/data" 16)
cp "$WORK/out/card_locator.onnx" models/trained/card_locator.onnx
cargo run --release -q -p hawiya-pipeline --example card_eval -- 1000 | tee "$WORK/eval.txt"
echo "trained model: models/trained/card_locator.onnx; log: $WORK/out/train_log.json"
