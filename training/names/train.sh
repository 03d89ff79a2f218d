#!/usr/bin/env bash
# Trains models/trained/name_reader.onnx from synthetic ID name lines, in one command:
#   training/names/train.sh            (about 50 minutes on 2 quiet cores: rendering, then 35 minutes of training)
# Env: PYTHON (a Python with torch, numpy, pillow, onnx, onnxruntime; default: a venv made
# under ~/.cache/hawiya/torchvenv on first use), CARDS (flat training cards, default
# 10000, two name lines each), REPS (photographs per line, default 2), MINUTES (training
# wall-clock budget, default 35), DATA (scratch folder, default /tmp/hawiya_names).
set -euo pipefail
cd "$(dirname "$0")/../.."
CARDS=${CARDS:-10000}
REPS=${REPS:-2}
MINUTES=${MINUTES:-35}
DATA=${DATA:-/tmp/hawiya_names}
# Seeds of the synthetic cards; tests and evaluation use other seeds.
SEED=3000
if [ -z "${PYTHON:-}" ]; then
  VENV="$HOME/.cache/hawiya/torchvenv"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, onnx, onnxruntime, PIL" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy pillow onnx "onnxruntime==1.31.1"
  fi
  PYTHON="$VENV/bin/python"
fi
export OMP_WAIT_POLICY=PASSIVE   # digits.md: two spinning threads were 3.5x slower than one
cargo build --release -p hawiya-synth --example name_lines
rm -rf "$DATA" && mkdir -p "$DATA"
HALF=$((CARDS / 2))
./target/release/examples/name_lines "$DATA/train_a" "$HALF" "$SEED" &
./target/release/examples/name_lines "$DATA/train_b" "$((CARDS - HALF))" $((SEED + 2)) &
./target/release/examples/name_lines "$DATA/val" 400 $((SEED + 1)) &
wait
# One folder, one labels.tsv.
mkdir -p "$DATA/train"
for part in a b; do
  for f in "$DATA/train_$part"/*.png; do mv "$f" "$DATA/train/${part}_$(basename "$f")"; done
  sed "s/^/${part}_/" "$DATA/train_$part/labels.tsv" >> "$DATA/train/labels.tsv"
done
mkdir -p models/trained
"$PYTHON" training/names/train.py --train "$DATA/train" --val "$DATA/val" --reps "$REPS" \
  --out models/trained/name_reader.onnx --report models/trained/name_reader.md \
  --minutes "$MINUTES" --threads 2
