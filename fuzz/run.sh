#!/usr/bin/env bash
# Runs every cargo-fuzz target of hawiya for a bounded time, one after another, on one core:
#   fuzz/run.sh [SECONDS per target, default 300] [TARGET...]
# Needs the nightly toolchain (`rustup toolchain install nightly`) and cargo-fuzz
# (`cargo install cargo-fuzz`). The corpus grows in fuzz/corpus/TARGET (not committed),
# starting from the small seeds in fuzz/seeds/TARGET; a crash leaves its input in
# fuzz/artifacts/TARGET and fails the run. Logs go to fuzz/logs/TARGET.log (not committed);
# the last lines printed are a Markdown table of executions per target.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECS=${1:-300}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(image_decode base64_image mrz_parse id_number request_json request_multipart)
fi
# The image targets link the pipeline crate, which loads ONNX Runtime only on demand and
# links Tesseract: nothing to set up beyond the system libraries the project needs anyway.
cargo +nightly fuzz build -O || exit 1
mkdir -p fuzz/logs
declare -A MAXLEN=([image_decode]=65536 [base64_image]=65536 [request_multipart]=16384)
status=0
rows=()
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  seeds="fuzz/seeds/$t"
  log="fuzz/logs/$t.log"
  echo "[fuzz] $t for ${SECS}s" >&2
  start=$(date +%s)
  cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" "$seeds" -- \
    -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
    -max_len="${MAXLEN[$t]:-4096}" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  crashes=$(find "fuzz/artifacts/$t" -type f | wc -l)
  [ "$rc" -ne 0 ] && status=1
  rows+=("| $t | ${took} s | ${runs:-?} | ${rate:-?} | ${cov:-?} | $corpus | ${rss:-?} MB | $crashes | $rc |")
done
echo
echo "| target | time | executions | exec/s | coverage (edges) | corpus files | peak RSS | crash files | exit |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
exit $status
