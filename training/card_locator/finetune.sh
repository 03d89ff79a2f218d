#!/usr/bin/env bash
# Fine-tunes the card locator on freshly rendered scenes, in one command, with fixed seeds:
#   training/card_locator/finetune.sh             (stage 2: the shipped model)
#   STAGE=1 training/card_locator/finetune.sh     (stage 1: card_locator_ft1.onnx)
# The shipped models/trained/card_locator.onnx is the first model (trained on a leased GPU
# by device_run.sh, 6,267 scenes of seed 1001, which it overfits) fine-tuned twice on the
# CPU, each time on scenes no earlier stage saw:
# - Stage 1: renders SCENES=6000 scenes of seed 1002 with the pipeline's dataset program
#   (crates/pipeline/examples/card_dataset.rs) and continues training the first model's
#   weights (card_locator_v1.pt, committed beside this script, 1.8 MB): AdamW, peak lr
#   5e-4 with warm-up and cosine decay, batch 32, contrast jitter down to 0.5x (pale cards
#   on pale backgrounds), MINUTES=32 of wall time, validating on the first 500 scenes.
#   Its result is committed beside this script as card_locator_ft1.onnx.
# - Stage 2: renders 2 x 6000 scenes of seeds 1003 and 1004 and continues training
#   card_locator_ft1.onnx (its weights loaded back from the ONNX export, whose
#   BatchNorms are folded: they stay frozen, see train.py --init-onnx): peak lr 3e-4,
#   MINUTES=35, otherwise as stage 1.
# Each stage exports ONNX, checks onnxruntime against PyTorch (check.py) and copies the
# model to models/trained/card_locator.onnx. Rendering 6,000 scenes takes about 17 min
# on the 2-core development VM. The budget is wall time, so a rerun gives a similar, not
# bit-identical, model.
# Needs a Python with torch, onnx, onnxruntime, numpy (PYTHON=...); not the product.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
STAGE=${STAGE:-2}
SCENES=${SCENES:-6000}
WORK=${WORK:-${TMPDIR:-/tmp}/card_locator_finetune_$STAGE}
THREADS=${THREADS:-2}
export OMP_WAIT_POLICY=PASSIVE TRAIN_THREADS=${TRAIN_THREADS:-2}
mkdir -p "$WORK"
cargo build --release -p hawiya-pipeline --example card_dataset --example card_eval
render() { # seed -> directory
    if [ ! -f "$WORK/data_$1/labels.f32" ]; then
        ./target/release/examples/card_dataset "$WORK/data_$1" "$1" "$SCENES" 256 "$THREADS"
    fi
}
if [ "$STAGE" = 1 ]; then
    render 1002
    DATA=("$WORK/data_1002")
    INIT=(--init card_locator_v1.pt)
    MINUTES=${MINUTES:-32}
    LR=5e-4
else
    render 1003
    render 1004
    DATA=("$WORK/data_1003" "$WORK/data_1004")
    INIT=(--init-onnx card_locator_ft1.onnx)
    MINUTES=${MINUTES:-35}
    LR=3e-4
fi
(cd training/card_locator && $PY train.py "${DATA[@]}" --out "$WORK/out" \
    "${INIT[@]}" --minutes "$MINUTES" --lr "$LR" --batch 32 \
    --contrast-min 0.5 --log-every 25 --eval-every 200 --seed 0)
(cd training/card_locator && $PY check.py "$WORK/out" "${DATA[0]}" 16)
if [ "$STAGE" = 1 ]; then
    cp "$WORK/out/card_locator.onnx" training/card_locator/card_locator_ft1.onnx
fi
cp "$WORK/out/card_locator.onnx" models/trained/card_locator.onnx
echo "fine-tuned model: models/trained/card_locator.onnx; log: $WORK/out/train_log.json"
echo "measure it: cargo run --release -p hawiya-pipeline --example card_eval -- 1000"
