#!/usr/bin/env bash
# Render every overlay with kustomize and validate it strictly against a current Kubernetes.
# Usage: k8s/validate.sh [k8s-dir]   (exit 1 on any error)
set -euo pipefail
dir="${1:-$(dirname "$0")}"
version="${KUBERNETES_VERSION:-1.37.0}"
status=0
for overlay in "$dir"/overlays/*/; do
  name=$(basename "$overlay")
  rendered=$(mktemp)
  if ! kubectl kustomize "$overlay" > "$rendered"; then
    echo "k8s: $name does not render" >&2
    status=1
  elif ! kubernetes-validate --strict --quiet -k "$version" "$rendered"; then
    echo "k8s: $name is not valid for Kubernetes $version" >&2
    status=1
  else
    echo "k8s: $name ok ($(grep -c '^kind:' "$rendered") resources)"
  fi
  rm -f "$rendered"
done
exit "$status"
