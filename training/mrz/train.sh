#!/usr/bin/env bash
# Trains models/trained/mrz_reader.onnx from synthetic MRZ lines, in one command:
#   training/mrz/train.sh            (about three hours on 2 cores shared with other jobs)
# Four stages: 30,000 lines (seed 3000) for 22 minutes from scratch, then 8,000 fresh lines
# (seed 3002) for 12 minutes from stage 1's weights at a lower rate, then 16,000 fresh lines
# (seed 3003) for 40 minutes from stage 2's weights, then 36,000 fresh lines (seed 3004) for
# 45 minutes from stage 3's. All budgets are wall-clock: on a busier machine fewer steps
# run. SKIP_STAGE1=1 / SKIP_STAGE2=1 / SKIP_STAGE3=1 start from the weights an earlier run
# left in target/.
# Env: PYTHON (a Python with torch, numpy, pillow, onnx, onnxruntime; default: a venv made
# under ~/.cache/hawiya/torchvenv on first use).
# Needs the Debian fonts fonts-ocr-b, fonts-dejavu-core and fonts-liberation.
# No real data: ../shared/data/passporteye_mrz is for measuring only.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${PYTHON:-}" ]; then
  VENV="$HOME/.cache/hawiya/torchvenv"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, onnx, onnxruntime, PIL" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy pillow onnx "onnxruntime==1.31.1"
  fi
  PYTHON="$VENV/bin/python"
fi
export OMP_WAIT_POLICY=PASSIVE   # digits.md: two spinning threads were 3.5x slower than one
mkdir -p models/trained target
if [ "${SKIP_STAGE1:-0}" != 1 ]; then
  "$PYTHON" training/mrz/train.py --samples 30000 --minutes 22 --threads 2 --seed 3000 \
    --out models/trained/mrz_reader.onnx --report target/mrz_reader_stage1.md \
    --preview target/mrz_reader_preview.png 2>&1 | tee target/mrz_reader_stage1.log
fi
result() { grep -o 'validation exact.*' "target/mrz_reader_stage$1.log" 2>/dev/null || echo 'see its log'; }
if [ "${SKIP_STAGE2:-0}" != 1 ]; then
  "$PYTHON" training/mrz/train.py --samples 8000 --minutes 12 --threads 2 --seed 3002 --lr 1e-3 \
    --init target/mrz_reader_3000.pt \
    --out models/trained/mrz_reader.onnx --report target/mrz_reader_stage2.md \
    2>&1 | tee target/mrz_reader_stage2.log
fi
if [ "${SKIP_STAGE3:-0}" != 1 ]; then
  "$PYTHON" training/mrz/train.py --samples 16000 --minutes 40 --threads 2 --seed 3003 --lr 1e-3 \
    --init target/mrz_reader_3002.pt \
    --out target/mrz_reader_stage3.onnx --report target/mrz_reader_stage3.md \
    2>&1 | tee target/mrz_reader_stage3.log
fi
"$PYTHON" training/mrz/train.py --samples 36000 --minutes 45 --threads 2 --seed 3004 --lr 1e-3 \
  --init target/mrz_reader_3003.pt \
  --stage "- Stage 1 (from scratch): 30,000 lines, seed 3000, 22 minutes, peak lr 3e-3 ($(result 1))
- Stage 2 (from stage 1): 8,000 lines, seed 3002, 12 minutes, peak lr 1e-3 ($(result 2))
- Stage 3 (from stage 2): 16,000 lines, seed 3003, 40 minutes, peak lr 1e-3 ($(result 3))
" \
  --out models/trained/mrz_reader.onnx --report models/trained/mrz_reader.md \
  2>&1 | tee target/mrz_reader_stage4.log
