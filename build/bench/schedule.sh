#!/usr/bin/env bash
# make bench-schedule: 200 BackupPolicies on "* * * * *" for 5 scheduled minutes against the Kubernetes API emulator (its
# own process) whose Jobs finish at once with CLI-shaped results (--instant-jobs). Reports how late each run's Job
# appeared (p50/p99/max), duplicate and missed runs (the command fails unless both are 0), the operator's peak RSS and
# its API requests per minute. BENCH_POLICIES / BENCH_MINUTES shorten a run.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
POLICIES="${BENCH_POLICIES:-200}"; MINUTES="${BENCH_MINUTES:-5}"
mkdir -p "$ROOT/.build"
work="$(mktemp -d "$ROOT/.build/bench-schedule.XXXXXX")"
KUBE_PID=""
cleanup() { stop_pid "$KUBE_PID"; rm -rf "$work"; }
trap cleanup EXIT
machine_line
"$BIN/kube-emulator" --port 0 --kubeconfig-out "$work/kubeconfig" --crds "$ROOT/crds" --instant-jobs >"$work/emulator.out" 2>"$work/emulator.log" &
KUBE_PID=$!
for _ in $(seq 1 300); do [ -s "$work/kubeconfig" ] && grep -q listening "$work/emulator.out" && break; sleep 0.1; done
[ -s "$work/kubeconfig" ] || { echo "kube-emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
status=0
"$BIN/vectordr-operator" bench schedule --kubeconfig "$work/kubeconfig" --policies "$POLICIES" --minutes "$MINUTES" || status=$?
# The API server's share of the work (utime + stime, in clock ticks): with the operator's own CPU above it tells which side is the bottleneck.
echo "kube-emulator CPU over the whole run: $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$KUBE_PID/stat")s, peak RSS $(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$KUBE_PID/status") MiB"
machine_line
exit "$status"
