#!/usr/bin/env bash
# Trains models/trained/plate_reader.onnx from synthetic plates, in one command:
#   training/plates/train.sh            (about 55 minutes on 2 quiet cores)
# Env: PYTHON (a Python with torch, numpy, pillow, onnx, onnxruntime; default: a venv made
# under ~/.cache/hawiya/torchvenv on first use), PLATES (flat training plates, default
# 24000), REPS (photographs per plate, default 3), MINUTES (training wall-clock budget,
# default 45), DATA (scratch folder, default /tmp/hawiya_plates).
# No real data: ../shared/data/ealpr is for measuring only.
set -euo pipefail
cd "$(dirname "$0")/../.."
PLATES=${PLATES:-24000}
REPS=${REPS:-3}
MINUTES=${MINUTES:-45}
DATA=${DATA:-/tmp/hawiya_plates}
# Seeds of the synthetic plates; tests and evaluation use other seeds.
SEED=2000
if [ -z "${PYTHON:-}" ]; then
  VENV="$HOME/.cache/hawiya/torchvenv"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, onnx, onnxruntime, PIL" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy pillow onnx "onnxruntime==1.31.1"
  fi
  PYTHON="$VENV/bin/python"
fi
export OMP_WAIT_POLICY=PASSIVE   # digits.md: two spinning threads were 3.5x slower than one
cargo build --release -p hawiya-synth --example plate_set
rm -rf "$DATA" && mkdir -p "$DATA"
./target/release/examples/plate_set "$DATA/train" "$PLATES" "$SEED" &
./target/release/examples/plate_set "$DATA/val" 600 $((SEED + 1)) &
wait
mkdir -p models/trained
"$PYTHON" training/plates/train.py --train "$DATA/train" --val "$DATA/val" --reps "$REPS" \
  --out models/trained/plate_reader.onnx --report models/trained/plate_reader.md \
  --minutes "$MINUTES" --threads 2
