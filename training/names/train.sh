#!/usr/bin/env bash
# Trains models/trained/name_reader.onnx from synthetic ID name lines, in one command:
#   training/names/train.sh            (about 50 minutes on 2 quiet cores: rendering, then 35 minutes of training)
# Env: PYTHON (a Python with torch, numpy, pillow, onnx, onnxruntime; default: a venv made
# under ~/.cache/hawiya/torchvenv on first use), CARDS (flat training cards, default
# 10000, two name lines each), REPS (photographs per line, default 2), MINUTES (training
# wall-clock budget, default 35), DATA (scratch folder, default /tmp/hawiya_names).
# KIND=plate_numbers (training/plate_numbers/train.sh) trains the vehicle licence's plate
# number reader instead, models/trained/plate_number_reader.onnx, from the plate number
# lines of flat synthetic vehicle licence fronts, the same way.
set -euo pipefail
cd "$(dirname "$0")/../.."
KIND=${KIND:-names}
CARDS=${CARDS:-10000}
REPS=${REPS:-2}
MINUTES=${MINUTES:-35}
# Seeds of the synthetic cards; tests and evaluation use other seeds.
case "$KIND" in
  names) SEED=3000; LINES=(); MODEL=name_reader ;;
  plate_numbers) SEED=3100; LINES=(car_license_front license_number); MODEL=plate_number_reader ;;
  *) echo "KIND: names or plate_numbers" >&2; exit 2 ;;
esac
DATA=${DATA:-/tmp/hawiya_$KIND}
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
./target/release/examples/name_lines "$DATA/train_a" "$HALF" "$SEED" "${LINES[@]}" &
./target/release/examples/name_lines "$DATA/train_b" "$((CARDS - HALF))" $((SEED + 2)) "${LINES[@]}" &
./target/release/examples/name_lines "$DATA/val" 400 $((SEED + 1)) "${LINES[@]}" &
wait
# One folder, one labels.tsv.
mkdir -p "$DATA/train"
for part in a b; do
  for f in "$DATA/train_$part"/*.png; do mv "$f" "$DATA/train/${part}_$(basename "$f")"; done
  sed "s/^/${part}_/" "$DATA/train_$part/labels.tsv" >> "$DATA/train/labels.tsv"
done
mkdir -p models/trained
"$PYTHON" training/names/train.py --kind "$KIND" --train "$DATA/train" --val "$DATA/val" --reps "$REPS" \
  --out "models/trained/$MODEL.onnx" --report "models/trained/$MODEL.md" \
  --minutes "$MINUTES" --threads 2
