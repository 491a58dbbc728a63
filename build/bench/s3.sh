#!/usr/bin/env bash
# make bench-s3: against the local RGW, same run, same snapshot of >= 1 GiB:
#   1. backup straight to S3: `vectordr backup` (stream mode) vs the naive baseline (create snapshot, curl -o to
#      disk, upload, delete snapshot), uploaded with Debian's awscli (`aws s3 cp`, the baseline of record) and with
#      `s3cmd put`; an `aws` earlier on PATH that is not Debian's (pip, pyenv) is measured as a third baseline;
#   2. `vectordr copy` between two buckets: server-side (same endpoint) vs streamed (through a second endpoint
#      spelling, which defeats the server-side path: 127.0.0.1 vs localhost);
#   3. restore of the same backup via a pre-signed URL (Qdrant pulls) vs streamed upload.
# BENCH_SIZES="1 3" GiB (approximately; printed exactly). Peak RSS: GNU time %M of the largest process.
# The backup comparison runs each path once untimed, then BENCH_ROUNDS (3) interleaved rounds; rows are medians.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
need_time
SIZES="${BENCH_SIZES:-1 3}"; ROUNDS="${BENCH_ROUNDS:-3}"; DIM=384; POINTS_PER_GIB=680000
work="$(mktemp -d "$ROOT/.build/bench-s3.XXXXXX")"
QDRANT_PID=""; buckets=()
cleanup() { stop_pid "$QDRANT_PID"; for b in "${buckets[@]}"; do drop_bucket "$b"; done; rm -rf "$work"; }
trap cleanup EXIT
s3_env; need_awscli; need_s3cmd
# The uploaders compared: Debian's awscli first (the ratio column is against it), then s3cmd, then any other `aws`.
uploaders=(debian-aws s3cmd); path_aws="$(command -v aws || true)"
[ -n "$path_aws" ] && [ "$(readlink -f "$path_aws")" != "$(readlink -f "$AWS_CLI")" ] && uploaders+=(path-aws)
machine_line
echo "baselines: $("$AWS_CLI" --version 2>&1 | cut -d' ' -f1) (Debian, $AWS_CLI), s3cmd $(s3cmd --version | cut -d' ' -f3)$(
  [ "${uploaders[2]:-}" = path-aws ] && echo ", $(aws --version 2>&1 | cut -d' ' -f1) ($path_aws)")"
# s3cmd reads its keys from a config file only; keep it private to this run.
(umask 077; cat >"$work/s3cfg" <<CFG
[default]
access_key = $AWS_ACCESS_KEY_ID
secret_key = $AWS_SECRET_ACCESS_KEY
host_base = ${S3_ENDPOINT#http://}
host_bucket = ${S3_ENDPOINT#http://}
use_https = False
signature_v2 = False
bucket_location = ${S3_REGION:-us-east-1}
CFG
)
label_of() { case "$1" in debian-aws) echo "curl + aws s3 cp (Debian)";; s3cmd) echo "curl + s3cmd put";; path-aws) echo "curl + aws s3 cp (PATH's)";; esac; }
row() { printf '%-8s %-42s %9s %9s %8s %12s\n' "$@"; }
# median FILE: of lines "seconds maxrss_kb", the median seconds and the highest peak RSS.
median() { python3 -c 'import sys,statistics; rows=[l.split() for l in open(sys.argv[1]) if l.strip()]; print(statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows))' "$1"; }
echo "ratio = a baseline's seconds / vectordr's: on vectordr rows against Debian's awscli, on baseline rows against the default backup (10 probes)"
row size what seconds "MB/s" ratio "peak RSS MB"
for gib in $SIZES; do
  start_qdrant_emulator "$work/qdrant" --seed "big:$((gib * POINTS_PER_GIB)):$DIM"
  primary=$(new_bucket); standby=$(new_bucket); standby2=$(new_bucket); baseline=$(new_bucket)
  buckets+=("$primary" "$standby" "$standby2" "$baseline")

  # baseline.sh UPLOADER: the naive way, one step after the other.
  cat >"$work/baseline.sh" <<SCRIPT
set -euo pipefail
name=\$(curl -fsS -X POST "$QDRANT_URL/collections/big/snapshots?wait=true" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["name"])')
curl -fsS -o "$work/dl.snapshot" "$QDRANT_URL/collections/big/snapshots/\$name"
case "\$1" in
  debian-aws) AWS_DEFAULT_REGION=${S3_REGION:-us-east-1} "$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$work/dl.snapshot" "s3://$baseline/x/collection.snapshot" ;;
  path-aws) AWS_DEFAULT_REGION=${S3_REGION:-us-east-1} "$path_aws" --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$work/dl.snapshot" "s3://$baseline/x/collection.snapshot" ;;
  s3cmd) s3cmd -c "$work/s3cfg" put --no-progress --quiet "$work/dl.snapshot" "s3://$baseline/x/collection.snapshot" ;;
esac
rm -f "$work/dl.snapshot"
curl -fsS -X DELETE "$QDRANT_URL/collections/big/snapshots/\$name" >/dev/null
SCRIPT
  # One untimed pass over each path first: the emulator is a .NET process whose snapshot, stream and query code is
  # compiled on first use (a cost a real Qdrant does not have), and RGW's first writes to a new bucket are slower.
  "$BIN/vectordr" backup --qdrant "$QDRANT_URL" -c big --to "$(s3_location "$primary" warm)" --json >/dev/null 2>&1
  bash "$work/baseline.sh" debian-aws
  drop_prefix "$primary" warm; drop_prefix "$baseline" x
  # Then ROUNDS interleaved rounds (10 probes, no probes, each baseline): each row is the median, its peak RSS the highest.
  : >"$work/p10"; : >"$work/p0"; for u in "${uploaders[@]}"; do : >"$work/base-$u"; done
  for r in $(seq 1 "$ROUNDS"); do
    timed_run "$work/t" "$BIN/vectordr" backup --qdrant "$QDRANT_URL" -c big --to "$(s3_location "$primary" "p10-$r")" --json >/dev/null 2>&1
    cat "$work/t" >>"$work/p10"
    drop_prefix "$primary" "p10-$r"
    timed_run "$work/t" "$BIN/vectordr" backup --qdrant "$QDRANT_URL" -c big --to "$(s3_location "$primary" "q$r")" --probes 0 --json >"$work/b.json" 2>"$work/b.log"
    cat "$work/t" >>"$work/p0"
    for u in "${uploaders[@]}"; do
      timed_run "$work/t" bash "$work/baseline.sh" "$u"
      cat "$work/t" >>"$work/base-$u"
      drop_prefix "$baseline" x
    done
    # Keep the last round's backup: the copy and restore rows below read it.
    [ "$r" -eq "$ROUNDS" ] || drop_prefix "$primary" "q$r"
  done
  read -r ps pkb < <(median "$work/p10"); read -r vs vkb < <(median "$work/p0"); read -r bs bkb < <(median "$work/base-debian-aws")
  bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backup"]["sizeBytes"])' "$work/b.json")
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backup"]["backupId"])' "$work/b.json")
  q="q$ROUNDS"
  label=$(python3 -c "print(f'{$bytes/2**30:.2f}GiB')")
  row "$label" "backup: vectordr -> S3, 10 probes" "$ps" "$(mbps "$bytes" "$ps")" "$(python3 -c "print(f'{$bs/$ps:.2f}x')")" "$((pkb / 1024))"
  row "$label" "backup: vectordr -> S3, no probes" "$vs" "$(mbps "$bytes" "$vs")" "$(python3 -c "print(f'{$bs/$vs:.2f}x')")" "$((vkb / 1024))"
  rounds="10 probes $(cut -d' ' -f1 "$work/p10" | tr '\n' ' ')| no probes $(cut -d' ' -f1 "$work/p0" | tr '\n' ' ')"
  for u in "${uploaders[@]}"; do
    read -r us ukb < <(median "$work/base-$u")
    # The ratio column of a baseline row: how much faster the default backup (10 probes) is than this baseline.
    row "$label" "baseline: $(label_of "$u")" "$us" "$(mbps "$bytes" "$us")" "$(python3 -c "print(f'{$us/$ps:.2f}x')")" "$((ukb / 1024))"
    rounds="$rounds| $u $(cut -d' ' -f1 "$work/base-$u" | tr '\n' ' ')"
  done
  echo "         (seconds of each round: $rounds)"

  timed_run "$work/t3" "$BIN/vectordr" copy "$(s3_location "$primary" "$q")" --to "$(s3_location "$standby" q)" --id "$id" --json >/dev/null 2>&1
  read -r cs ckb <"$work/t3"
  local_alias="${S3_ENDPOINT/127.0.0.1/localhost}"
  timed_run "$work/t4" "$BIN/vectordr" copy "$(s3_location "$primary" "$q")" \
    --to "s3://$standby2/q?endpoint=$local_alias&region=${S3_REGION:-us-east-1}&pathStyle=true&checksum=when-required" --id "$id" --json >/dev/null 2>&1
  read -r ss skb <"$work/t4"
  row "$label" "copy: server-side (+ verify at dest)" "$cs" "$(mbps "$bytes" "$cs")" "" "$((ckb / 1024))"
  row "$label" "copy: streamed (+ verify at dest)" "$ss" "$(mbps "$bytes" "$ss")" "" "$((skb / 1024))"

  for via in url stream; do
    timed_run "$work/t5" "$BIN/vectordr" restore "$(s3_location "$primary" "$q")" --id "$id" --qdrant "$QDRANT_URL" -c "big:big-$via" --via "$via" --json >"$work/r.json" 2>/dev/null
    read -r rs rkb <"$work/t5"
    row "$label" "restore via $via (incl. verification)" "$rs" "$(mbps "$bytes" "$rs")" "" "$((rkb / 1024))"
  done
  stop_pid "$QDRANT_PID"; QDRANT_PID=""; rm -rf "$work/qdrant"
  for b in "${buckets[@]}"; do drop_bucket "$b"; done; buckets=()
done
