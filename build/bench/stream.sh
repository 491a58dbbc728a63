#!/usr/bin/env bash
# make bench-stream: --mode stream versus --mode snapshot, same run, same 4-shard collection, to the filesystem and to
# RGW. Reports MB/s, vectordr's peak RSS, and the peak extra disk used on the Qdrant side (the emulator's snapshots
# directory, sampled every 100 ms). BENCH_SIZES="1 3" (GiB of vectors, approximately; the real size is printed).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
need_time
SIZES="${BENCH_SIZES:-1 3}"; DIM=384; SHARDS=4; POINTS_PER_GIB=680000
work="$(mktemp -d "$ROOT/.build/bench-stream.XXXXXX")"
QDRANT_PID=""; WATCH_PID=""
cleanup() { [ -z "$WATCH_PID" ] || kill "$WATCH_PID" 2>/dev/null || true; stop_pid "$QDRANT_PID"; rm -rf "$work"; }
trap cleanup EXIT
s3_env; need_awscli
machine_line
printf '%-8s %-9s %-4s %9s %9s %12s %16s\n' size mode to seconds "MB/s" "peak RSS MB" "Qdrant disk MB"
for gib in $SIZES; do
  start_qdrant_emulator "$work/qdrant" --seed "big:$((gib * POINTS_PER_GIB)):$DIM:$SHARDS"
  for mode in stream snapshot; do
    for to in fs s3; do
      if [ "$to" = fs ]; then dest="$work/repo"; mkdir -p "$dest"; else bucket=$(new_bucket); dest="$(s3_location "$bucket" bench)"; fi
      watch_disk "$work/qdrant/snapshots" "$work/disk" & WATCH_PID=$!
      timed_run "$work/t" "$BIN/vectordr" backup --qdrant "$QDRANT_URL" -c big --to "$dest" --mode "$mode" --probes 5 --json >"$work/out.json" 2>"$work/log"
      kill "$WATCH_PID"; wait "$WATCH_PID" 2>/dev/null || true; WATCH_PID=""
      read -r secs kb <"$work/t"
      bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backup"]["sizeBytes"])' "$work/out.json")
      printf '%-8s %-9s %-4s %9s %9s %12s %16s\n' "$(python3 -c "print(f'{$bytes/2**30:.2f}GiB')")" "$mode" "$to" "$secs" \
        "$(mbps "$bytes" "$secs")" "$((kb / 1024))" "$(mb "$(cat "$work/disk")")"
      rm -rf "$work/repo"; [ "$to" = fs ] || drop_bucket "$bucket"
    done
  done
  stop_pid "$QDRANT_PID"; QDRANT_PID=""; rm -rf "$work/qdrant"
done
