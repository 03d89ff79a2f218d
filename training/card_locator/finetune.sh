#!/usr/bin/env bash
# Fine-tunes the card locator on freshly rendered scenes, in one command, with fixed seeds:
#   training/card_locator/finetune.sh
# This is how the shipped models/trained/card_locator.onnx was made from the first model
# (trained on a leased GPU by device_run.sh, 6,267 scenes of seed 1001, which it overfits):
# 1. renders SCENES new scenes (seed 1002, never in the first set) with the pipeline's
#    dataset program (crates/pipeline/examples/card_dataset.rs),
# 2. continues training the first model's weights (card_locator_v1.pt, committed beside
#    this script, 1.8 MB) on the CPU: AdamW, peak lr 5e-4 with warm-up and cosine decay,
#    batch 32, contrast jitter down to 0.5x (pale cards on pale backgrounds), MINUTES of
#    wall time, validating on the first 500 scenes every 100 steps,
# 3. exports ONNX and checks onnxruntime against PyTorch (check.py),
# 4. copies the model to models/trained/card_locator.onnx.
# The shipped run: SCENES=6000 (35 min of rendering on 2 threads), MINUTES=32 on the
# 2-core development VM, the final weights (see models/trained/card_locator.md). The
# budget is wall time, so a rerun gives a similar, not bit-identical, model.
# Needs a Python with torch, onnx, onnxruntime, numpy (PYTHON=...); not the product.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
SCENES=${SCENES:-6000}
MINUTES=${MINUTES:-32}
WORK=${WORK:-${TMPDIR:-/tmp}/card_locator_finetune}
THREADS=${THREADS:-2}
export OMP_WAIT_POLICY=PASSIVE TRAIN_THREADS=${TRAIN_THREADS:-2}
mkdir -p "$WORK"
cargo build --release -p hawiya-pipeline --example card_dataset --example card_eval
if [ ! -f "$WORK/data/labels.f32" ]; then
    ./target/release/examples/card_dataset "$WORK/data" 1002 "$SCENES" 256 "$THREADS"
fi
(cd training/card_locator && $PY train.py "$WORK/data" --out "$WORK/out" \
    --init card_locator_v1.pt --minutes "$MINUTES" --lr 5e-4 --batch 32 \
    --contrast-min 0.5 --log-every 25 --eval-every 100 --seed 0)
(cd training/card_locator && $PY check.py "$WORK/out" "$WORK/data" 16)
cp "$WORK/out/card_locator.onnx" models/trained/card_locator.onnx
echo "fine-tuned model: models/trained/card_locator.onnx; log: $WORK/out/train_log.json"
echo "measure it: cargo run --release -p hawiya-pipeline --example card_eval -- 1000"
