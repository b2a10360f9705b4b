#!/usr/bin/env bash
# deploy/kubernetes/config.yaml must be byte-identical to config/default.yaml:
# kustomize's configMapGenerator cannot read files outside deploy/kubernetes.
# Regenerate after editing config/default.yaml:
#   cp config/default.yaml deploy/kubernetes/config.yaml
set -u
cd "$(dirname "$0")/../.." || exit 1
if cmp config/default.yaml deploy/kubernetes/config.yaml; then
    echo "check-configmap: deploy/kubernetes/config.yaml matches config/default.yaml"
else
    echo "check-configmap: deploy/kubernetes/config.yaml differs from config/default.yaml;" \
         "run: cp config/default.yaml deploy/kubernetes/config.yaml" >&2
    exit 1
fi
