#!/usr/bin/env bash
# make demo: the whole data path on embedded defaults, nothing beyond 127.0.0.1.
# Qdrant emulator with a generated collection -> backup -> verify -> drop -> restore (verified) -> verify.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

POINTS="${DEMO_POINTS:-20000}"; DIM="${DEMO_DIM:-384}"
work="$(mktemp -d "${TMPDIR:-/tmp}/vectordr-demo.XXXXXX")"
QDRANT_PID=""
cleanup() { stop_pid "$QDRANT_PID"; rm -rf "$work"; }
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
timed() { local t0; t0=$(now_ms); "$@"; local rc=$?; echo "   ($(( $(now_ms) - t0 )) ms)"; return $rc; }

step "Starting the Qdrant emulator with collection 'demo' ($POINTS points x $DIM dims, with payloads)"
timed start_qdrant_emulator "$work/qdrant" --seed "demo:$POINTS:$DIM"
echo "   Qdrant emulator at $QDRANT_URL (pid $QDRANT_PID)"
repo="$work/repository"; mkdir -p "$repo"
vdr() { "$BIN/vectordr" "$@"; }

step "vectordr backup --qdrant $QDRANT_URL --collection demo --to $repo"
timed vdr backup --qdrant "$QDRANT_URL" --collection demo --to "$repo"

step "vectordr list $repo"
vdr list "$repo"

step "vectordr verify $repo --latest   (re-reads every part, recomputes SHA-256)"
timed vdr verify "$repo" --latest

step "Dropping collection 'demo' (the disaster)"
curl -fsS -X DELETE "$QDRANT_URL/collections/demo" >/dev/null
echo "   collections now: $(curl -fsS "$QDRANT_URL/collections")"

step "vectordr restore $repo --latest --qdrant $QDRANT_URL --switch-alias demo-live"
timed vdr restore "$repo" --latest --qdrant "$QDRANT_URL" --switch-alias demo-live

step "vectordr describe $repo --latest"
vdr describe "$repo" --latest

step "Restoring the same backup beside the live data as 'demo-copy' (JSON result, as a Kubernetes Job reports it)"
vdr restore "$repo" --latest --qdrant "$QDRANT_URL" --collection demo:demo-copy --json
echo
step "Done: backup, verification, restore and post-restore verification all passed"
