#!/usr/bin/env bash
# make bench-backup: `vectordr backup` against the naive baseline, same machine, same run, same snapshot.
#   vectordr : create snapshot -> stream (download -> SHA-256 -> file, in one pass) -> delete snapshot -> manifest
#   baseline : create snapshot (curl) -> curl -o to disk -> sha256sum -> cp into place -> delete snapshot (curl)
# Both include producing the snapshot on the server, so the ratio is end to end. vectordr runs twice: with its
# default 10 probe queries (exact searches, verification evidence the baseline does not collect) and with
# --probes 0 (the data path alone). Peak RSS is the largest process's
# maximum resident set (GNU time %M). Sizes: BENCH_SIZES="1 3" (GiB of snapshot, approximately; the real size is printed).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
need_curl
need_time

SIZES="${BENCH_SIZES:-1 3}"
DIM=384
POINTS_PER_GIB=680000   # ~1.58 KB per 384-dim point with its payload in the emulator's snapshot
work="$(mktemp -d "${BENCH_DIR:-$ROOT/.build}/bench-backup.XXXXXX")"
QDRANT_PID=""
cleanup() { stop_pid "$QDRANT_PID"; rm -rf "$work"; }
trap cleanup EXIT

machine_line
echo "dotnet $(dotnet --version), $(curl --version | head -1 | cut -d' ' -f1-2), $(sha256sum --version | head -1)"
printf '%-9s %-9s %10s %10s %9s %12s\n' size tool seconds "MB/s" ratio "peak RSS MB"
for gib in $SIZES; do
  points=$((gib * POINTS_PER_GIB))
  start_qdrant_emulator "$work/qdrant-$gib" --seed "big:$points:$DIM"
  repo="$work/repo-$gib"; mkdir -p "$repo"

  # vectordr, with its default 10 verification probes (exact searches on the server) and with none (data path only)
  for probes in 10 0; do
    /usr/bin/time -f "%e %M" -o "$work/vdr-$probes.time" "$BIN/vectordr" backup --qdrant "$QDRANT_URL" -c big --to "$repo" \
      --probes "$probes" --json >"$work/vdr.json" 2>"$work/vdr-$probes.log"
  done
  bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backup"]["sizeBytes"])' "$work/vdr.json")

  # baseline
  cat >"$work/baseline.sh" <<SCRIPT
set -euo pipefail
name=\$(curl -fsS -X POST "$QDRANT_URL/collections/big/snapshots?wait=true" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["name"])')
curl -fsS -o "$work/download.snapshot" "$QDRANT_URL/collections/big/snapshots/\$name"
sha256sum "$work/download.snapshot" >"$work/download.sha256"
mkdir -p "$work/baseline-repo/backups/x/big"
cp "$work/download.snapshot" "$work/baseline-repo/backups/x/big/collection.snapshot"
rm -f "$work/download.snapshot"
curl -fsS -X DELETE "$QDRANT_URL/collections/big/snapshots/\$name" >/dev/null
SCRIPT
  sync; /usr/bin/time -f "%e %M" -o "$work/base.time" bash "$work/baseline.sh"
  read -r base_s base_kb <"$work/base.time"
  rm -rf "$work/baseline-repo" "$repo"

  label="$(python3 -c "print(f'{$bytes/2**30:.2f}GiB')")"
  for probes in 10 0; do
    read -r vdr_s vdr_kb <"$work/vdr-$probes.time"
    printf '%-9s %-9s %10s %10s %9s %12s\n' "$label" "vdr p=$probes" "$vdr_s" "$(mbps "$bytes" "$vdr_s")" \
      "$(python3 -c "print(f'{$base_s/$vdr_s:.2f}x')")" "$((vdr_kb / 1024))"
  done
  printf '%-9s %-9s %10s %10s %9s %12s\n' "$label" baseline "$base_s" "$(mbps "$bytes" "$base_s")" "1.00x" "$((base_kb / 1024))"
  grep -hE '\.snapshot: .* in ' "$work"/vdr-0.log | sed 's/^/          vectordr transfer phase: /' || true
  stop_pid "$QDRANT_PID"; QDRANT_PID=""
  rm -rf "$work/qdrant-$gib"
done
