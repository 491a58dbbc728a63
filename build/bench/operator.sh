#!/usr/bin/env bash
# make bench-operator: 1,000 BackupPolicies in the Kubernetes API emulator (its own process); reports the time until
# all are Ready, the operator's peak RSS and the API requests per minute once idle (watches and lease renewals only).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
POLICIES="${BENCH_POLICIES:-1000}"; IDLE="${BENCH_IDLE_SECONDS:-60}"
work="$(mktemp -d "$ROOT/.build/bench-operator.XXXXXX")"
KUBE_PID=""
cleanup() { stop_pid "$KUBE_PID"; rm -rf "$work"; }
trap cleanup EXIT
machine_line
"$BIN/kube-emulator" --port 0 --kubeconfig-out "$work/kubeconfig" --crds "$ROOT/crds" >"$work/emulator.out" 2>"$work/emulator.log" &
KUBE_PID=$!
for _ in $(seq 1 300); do [ -s "$work/kubeconfig" ] && grep -q listening "$work/emulator.out" && break; sleep 0.1; done
[ -s "$work/kubeconfig" ] || { echo "kube-emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
"$BIN/vectordr-operator" bench --kubeconfig "$work/kubeconfig" --policies "$POLICIES" --idle-seconds "$IDLE"
