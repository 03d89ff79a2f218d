#!/usr/bin/env bash
# GPU check: every model on ONNX Runtime's CUDA provider against the CPU, same input:
# largest output difference and median latency. Run it on a machine with an NVIDIA GPU
# (CUDA 13 and cuDNN 9 libraries on the loader path: what onnxruntime-gpu 1.31 needs).
#
#   benches/gpu-check.sh            # builds what it needs, then runs
#   GPU_CHECK_BIN=path benches/gpu-check.sh   # a prebuilt gpu_check binary
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${HAWIYA_CACHE:-$HOME/.cache/hawiya}
MODELS=${HAWIYA_MODELS:-$CACHE/models}
LIB=${GPU_LIB_DIR:-$CACHE/lib-gpu}
if [ ! -e "$LIB/libonnxruntime_providers_cuda.so" ]; then
  "$ROOT/models/build.sh" "$MODELS" --gpu
fi
BIN=${GPU_CHECK_BIN:-}
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release --features cuda -p hawiya-pipeline --example gpu_check)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/gpu_check"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
export ORT_DYLIB_PATH="$LIB/libonnxruntime.so"
export LD_LIBRARY_PATH="$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$BIN" "$MODELS" "${GPU_CHECK_RUNS:-20}"
