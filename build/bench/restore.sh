#!/usr/bin/env bash
# make bench-restore: the control plane's overhead on a restore, against the local RGW, same run, same backup of a
# >= 1 GiB collection:
#   1. by hand: `vectordr restore … --via url` (Qdrant pulls from a pre-signed URL), then `--via stream` (vectordr
#      uploads the snapshot), each timed with GNU time, with the JSON's own durationSeconds;
#   2. through the operator: the Kubernetes API emulator (Jobs run the real vectordr as local processes) +
#      vectordr-operator; a RestoreRequest with an explicit S3 location and a credentials Secret, timed from
#      `kubectl apply` until a watch sees phase Succeeded, with the reported status.durationSeconds;
#   3. by hand again with `--via url`, so the baseline brackets the operator run.
# The RestoreRequest's Job runs `vectordr restore` with the default --via auto, which on S3 is the pre-signed URL:
# the overhead is its wall time minus the hand `--via url` restores' (target: < 5 s). Timings are reported, never
# asserted. BENCH_GIB=1 (approximate snapshot size; printed exactly); BENCH_POINTS=N overrides it (a quick smoke run).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
need_time
command -v kubectl >/dev/null || { echo "bench-restore needs kubectl on PATH" >&2; exit 2; }
GIB="${BENCH_GIB:-1}"; DIM=384; POINTS_PER_GIB=680000; POINTS="${BENCH_POINTS:-$((GIB * POINTS_PER_GIB))}"
IMAGE="ghcr.io/vectordr/vectordr"
work="$(mktemp -d "$ROOT/.build/bench-restore.XXXXXX")"
QDRANT_PID=""; KUBE_PID=""; OPERATOR_PID=""; WATCH_PID=""; bucket=""
cleanup() {
  stop_pid "$WATCH_PID"; stop_pid "$OPERATOR_PID"; stop_pid "$KUBE_PID"; stop_pid "$QDRANT_PID"
  [ -z "$bucket" ] || drop_bucket "$bucket"
  rm -rf "$work"
}
trap cleanup EXIT
s3_env; need_awscli
machine_line
echo "dotnet $(dotnet --version 2>/dev/null || echo '?'), $(kubectl version --client 2>/dev/null | head -1), $("$AWS_CLI" --version 2>&1 | cut -d" " -f1)"

json() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k] if not k.isdigit() else d[int(k)]
print(d)' "$1" "$2"; }
# dur FILE: the durationSeconds of a `vectordr … --json` result (top level, or in its one nested object).
dur() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
v=d.get("durationSeconds", next((x["durationSeconds"] for x in d.values() if isinstance(x, dict) and "durationSeconds" in x), None))
print(f"{v:.2f}" if isinstance(v, (int, float)) else "?")' "$1"; }
drop_collection() { curl -fsS -X DELETE "$QDRANT_URL/collections/$1" >/dev/null || true; }

# 1. A collection of >= 1 GiB, backed up once to a fresh bucket.
start_qdrant_emulator "$work/qdrant" --seed "big:$POINTS:$DIM"
bucket=$(new_bucket)
location="$(s3_location "$bucket" bench)"
timed_run "$work/tb" "$BIN/vectordr" backup --qdrant "$QDRANT_URL" -c big --to "$location" --json >"$work/backup.json" 2>"$work/backup.log" \
  || { cat "$work/backup.log" >&2; exit 1; }
bytes=$(json "$work/backup.json" backup.sizeBytes); points=$(json "$work/backup.json" backup.points)
label=$(python3 -c "print(f'{$bytes/2**30:.2f} GiB')")
echo "backup: $label snapshot ($bytes bytes, $points points x $DIM dims) to s3://$bucket/bench on $S3_ENDPOINT in $(cut -d' ' -f1 "$work/tb") s"

# hand_restore VIA TO: one timed `vectordr restore`; sets HAND_S (wall) and HAND_D (its durationSeconds).
hand_restore() {
  local via="$1" to="$2"
  timed_run "$work/th" "$BIN/vectordr" restore "$location" --latest --qdrant "$QDRANT_URL" -c "big:$to" --via "$via" --json \
    >"$work/hand-$to.json" 2>"$work/hand-$to.log" || { cat "$work/hand-$to.log" "$work/hand-$to.json" >&2; exit 1; }
  read -r HAND_S HAND_RSS <"$work/th"
  HAND_D=$(dur "$work/hand-$to.json")
  drop_collection "$to"
}

# 2. By hand, pre-signed URL first (the RestoreRequest's mode), then streamed.
hand_restore url hand-url-1; url1_s=$HAND_S; url1_d=$HAND_D; url1_rss=$HAND_RSS

# 3. Through the operator.
export KUBECONFIG="$work/kubeconfig"
"$BIN/kube-emulator" --port 0 --kubeconfig-out "$KUBECONFIG" --crds "$ROOT/crds" --image-map "$IMAGE=$BIN/vectordr" --job-backoff 1 \
  --job-work-dir "$work/pods" >"$work/kube.out" 2>"$work/kube.log" &
KUBE_PID=$!
for _ in $(seq 1 300); do [ -s "$KUBECONFIG" ] && grep -q listening "$work/kube.out" && break; sleep 0.1; done
grep -q listening "$work/kube.out" || { echo "kube-emulator did not start:" >&2; cat "$work/kube.log" >&2; exit 1; }
"$BIN/vectordr-operator" --kubeconfig "$KUBECONFIG" --Urls http://127.0.0.1:0 --Operator:LeaderElection:Enabled=false \
  --Operator:JobImage="$IMAGE:bench" >"$work/operator.log" 2>&1 &
OPERATOR_PID=$!
# The bucket's keys reach the Job only through this Secret (values never printed).
kubectl create secret generic s3 --from-literal=AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
  --from-literal=AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" >/dev/null
cat >"$work/restore.yaml" <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: RestoreRequest
metadata:
  name: bench-restore
  namespace: default
spec:
  source:
    location: "$location"
    credentialsSecretRef: { name: s3 }
    latest: true
  target:
    qdrant: { url: "$QDRANT_URL" }
    collections: [{ from: big, to: operator }]
YAML
# Give the operator time to start its watches (not part of the measurement), then wait until it is idle.
for _ in $(seq 1 300); do grep -qi "started\|listening" "$work/operator.log" 2>/dev/null && break; kill -0 "$OPERATOR_PID" || break; sleep 0.1; done
sleep 2
kill -0 "$OPERATOR_PID" 2>/dev/null || { echo "vectordr-operator exited:" >&2; cat "$work/operator.log" >&2; exit 1; }

# A watch stamps every phase change with the local clock; the wall time ends at the first "Succeeded" it delivers.
( kubectl get restorerequest -w -o jsonpath='{.metadata.name} {.status.phase}{"\n"}' 2>/dev/null \
  | while read -r name phase; do [ "$name" = bench-restore ] && echo "$(now_ms) ${phase:-none}"; done ) >"$work/phases" &
WATCH_PID=$!
sleep 1
t_apply=$(now_ms)
kubectl apply -f "$work/restore.yaml" >/dev/null
deadline=$((t_apply + 900000)); outcome=""
while [ "$(now_ms)" -lt "$deadline" ]; do
  if grep -q ' Succeeded$' "$work/phases"; then outcome=Succeeded; break; fi
  if grep -q ' Failed$' "$work/phases"; then outcome=Failed; break; fi
  sleep 0.05
done
t_done=$(grep -m1 " ${outcome:-Succeeded}$" "$work/phases" | cut -d' ' -f1 || true)
t_running=$(grep -m1 ' Running$' "$work/phases" | cut -d' ' -f1 || true)
kubectl get restorerequest bench-restore -o json >"$work/rr.json"
if [ "$outcome" != Succeeded ]; then
  echo "RestoreRequest did not succeed (${outcome:-timeout}):" >&2
  kubectl get restorerequest bench-restore -o yaml >&2; tail -50 "$work/operator.log" >&2
  exit 1
fi
op_s=$(python3 -c "print(f'{($t_done - $t_apply)/1000:.2f}')")
op_d=$(json "$work/rr.json" status.durationSeconds)
op_msg=$(json "$work/rr.json" status.message)
job=$(json "$work/rr.json" status.jobName)
kubectl logs "job/$job" >"$work/job.log" 2>&1 || true
if grep -q 'pre-signed URL' "$work/job.log"; then op_via="url (pre-signed URL, --via auto)"
elif grep -q 'uploading' "$work/job.log"; then op_via="stream (--via auto fell back)"
else op_via="unknown (Job log: $(wc -l <"$work/job.log") lines)"; fi
# Where the overhead goes: apply -> the restore command's own start, and its end -> Succeeded seen by the watch.
read -r pre post <<<"$(python3 - "$work/rr.json" "$t_apply" "$t_done" <<'PY'
import json, sys, datetime as dt
s = json.load(open(sys.argv[1]))["status"]
def ms(v):
    return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000 if v else None
a, d, st, en = float(sys.argv[2]), float(sys.argv[3]), ms(s.get("startedAt")), ms(s.get("completedAt"))
print(f"{(st - a) / 1000:.2f}" if st else "?", f"{(d - en) / 1000:.2f}" if en else "?")
PY
)"
drop_collection operator
stop_pid "$WATCH_PID"; WATCH_PID=""; stop_pid "$OPERATOR_PID"; OPERATOR_PID=""; stop_pid "$KUBE_PID"; KUBE_PID=""

# 4. By hand again (url, bracketing the operator run), then streamed.
hand_restore url hand-url-2; url2_s=$HAND_S; url2_d=$HAND_D
hand_restore stream hand-stream; str_s=$HAND_S; str_d=$HAND_D; str_rss=$HAND_RSS

url_mean=$(python3 -c "print(f'{($url1_s + $url2_s)/2:.2f}')")
overhead=$(python3 -c "print(f'{$op_s - $url_mean:.2f}')")
verdict=$(python3 -c "print('met' if $overhead < 5 else 'NOT met')")
echo
row() { printf '%-46s %9s %16s %8s %12s\n' "$@"; }
row "restore of $label (each verified: count, config, recall)" "wall s" "durationSeconds" "MB/s" "peak RSS MB"
row "by hand, --via url (1st)" "$url1_s" "$url1_d" "$(mbps "$bytes" "$url1_s")" "$((url1_rss / 1024))"
row "RestoreRequest (apply -> phase Succeeded)" "$op_s" "$op_d" "$(mbps "$bytes" "$op_s")" ""
row "by hand, --via url (2nd)" "$url2_s" "$url2_d" "$(mbps "$bytes" "$url2_s")" ""
row "by hand, --via stream" "$str_s" "$str_d" "$(mbps "$bytes" "$str_s")" "$((str_rss / 1024))"
echo
echo "RestoreRequest Job transfer: $op_via; compared with the hand --via url restores (mean $url_mean s)"
echo "control-plane overhead: $overhead s (RestoreRequest $op_s s - hand url mean $url_mean s); target < 5 s: $verdict"
echo "  kubectl apply -> restore command started (status.startedAt): $pre s; command completed -> Succeeded seen: $post s"
echo "  overhead outside the restore command (the two together, free of run-to-run noise): $(python3 -c "print(f'{$pre + $post:.2f}')" 2>/dev/null || echo ?) s"
echo "  phase Running first seen $(python3 -c "print(f'{(${t_running:-$t_apply} - $t_apply)/1000:.2f}')") s after apply"
echo "  status.durationSeconds: $op_d (integer); status.message: $op_msg"
echo "url vs stream (hand): $url1_s / $url2_s s vs $str_s s (stream / url mean = $(python3 -c "print(f'{$str_s/$url_mean:.2f}')"))"
