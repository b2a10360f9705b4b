#!/usr/bin/env bash
# `make run`: installs build dependencies if missing, builds, mounts tracefs
# if needed, and runs the exporter on config/default.yaml (:9435/metrics).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --build-only
make -s ftrace_exporter
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
exec ./ftrace_exporter --config.file=config/default.yaml "$@"
