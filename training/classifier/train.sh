#!/usr/bin/env bash
# Trains models/trained/doc_classifier.onnx, in one command, with fixed seeds:
#   training/classifier/train.sh        (about 40 minutes on 2 cores)
# 1. renders DOCS synthetic documents of every kind and difficulty level with `hawiya
#    synth` (seeds 3000-3003; evaluation uses seed 9100, tests 4242-4344),
# 2. fetches the sample photographs of the scikit-image wheel (pinned by sha256; the
#    wheel's LICENSE.txt covers them with BSD-3-Clause) as real non-document photos,
# 3. trains the CNN (train.py) for MINUTES and exports ONNX with a report.
# Env: PYTHON (torch, numpy, pillow, onnx; default: the venv of training/digits),
# DOCS (per kind and seed, default 100), MINUTES (default 25), DATA (scratch folder).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DOCS=${DOCS:-100}
MINUTES=${MINUTES:-25}
DATA=${DATA:-${TMPDIR:-/tmp}/hawiya_classifier}
SKIMAGE_WHEEL=scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl
SKIMAGE_SHA256=74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af
if [ -z "${PYTHON:-}" ]; then
  VENV="$HOME/.cache/hawiya/torchvenv"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, onnx, PIL" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy onnx pillow "onnxruntime==1.31.1"
  fi
  PYTHON="$VENV/bin/python"
fi
export OMP_WAIT_POLICY=PASSIVE
cargo build --release -p hawiya --bin hawiya
rm -rf "$DATA/docs" && mkdir -p "$DATA/docs" "$DATA/photos"
# Two processes at a time, one per core: four seeds, easy to hard photos.
./target/release/hawiya synth --kind all --n "$DOCS" --seed 3000 --difficulty normal --out "$DATA/docs/normal" &
./target/release/hawiya synth --kind all --n "$DOCS" --seed 3001 --difficulty hard --out "$DATA/docs/hard" &
wait
./target/release/hawiya synth --kind all --n "$DOCS" --seed 3002 --difficulty 0.3 --out "$DATA/docs/light" &
./target/release/hawiya synth --kind all --n "$DOCS" --seed 3003 --difficulty 0.8 --out "$DATA/docs/heavy" &
wait
if [ ! -f "$DATA/$SKIMAGE_WHEEL" ]; then
  "$PYTHON" -m pip download --quiet --no-deps "scikit-image==0.26.0" \
    --platform manylinux_2_28_x86_64 --python-version 3.11 --only-binary=:all: -d "$DATA"
fi
echo "$SKIMAGE_SHA256  $DATA/$SKIMAGE_WHEEL" | sha256sum -c -
rm -rf "$DATA/photos" && mkdir -p "$DATA/photos"
(cd "$DATA/photos" && unzip -q -j "$DATA/$SKIMAGE_WHEEL" 'skimage/data/*.png' 'skimage/data/*.jpg')
mkdir -p models/trained
"$PYTHON" training/classifier/train.py --docs "$DATA/docs" --photos "$DATA/photos" \
  --out models/trained/doc_classifier.onnx --report models/trained/doc_classifier.md \
  --minutes "$MINUTES" --threads 2
