#!/usr/bin/env bash
# make demo: the whole data path on embedded defaults, nothing beyond 127.0.0.1.
# Part 1, the CLI: Qdrant emulator with a generated collection -> backup -> verify -> drop -> restore (verified).
# Part 2, the operator: Kubernetes API emulator (Jobs run as local processes) + vectordr-operator; a BackupPolicy
# applied with kubectl backs up on demand, copies to a standby location (verified there) and prunes; a
# RestoreRequest restores the latest backup from the standby copy and reports its RTO.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

POINTS="${DEMO_POINTS:-20000}"; DIM="${DEMO_DIM:-384}"
# Not under /tmp: the Job pods mount an emptyDir there, and the emulated kubelet maps every /tmp path a Job is given
# (its file:// locations included) into that emptyDir, as a real one would.
mkdir -p "$ROOT/.build"; work="$(mktemp -d "$ROOT/.build/vectordr-demo.XXXXXX")"
QDRANT_PID=""; KUBE_PID=""; OPERATOR_PID=""
cleanup() { stop_pid "$OPERATOR_PID"; stop_pid "$KUBE_PID"; stop_pid "$QDRANT_PID"; rm -rf "$work"; }
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

# ---------------------------------------------------------------------------------------------------------------
# Part 2: the same promise, declared as Kubernetes resources.
if ! command -v kubectl >/dev/null; then
  step "Done with part 1. Part 2 (the operator) needs kubectl on PATH; it is not installed here"
  exit 0
fi
IMAGE="ghcr.io/vectordr/vectordr"
export KUBECONFIG="$work/kubeconfig"
step "Starting the Kubernetes API emulator (our CRDs; Jobs run $IMAGE as local vectordr processes) and vectordr-operator"
"$BIN/kube-emulator" --port 0 --kubeconfig-out "$KUBECONFIG" --crds "$ROOT/crds" --image-map "$IMAGE=$BIN/vectordr" --job-backoff 1 \
  >"$work/kube.out" 2>"$work/kube.log" &
KUBE_PID=$!
for _ in $(seq 1 300); do [ -s "$KUBECONFIG" ] && grep -q listening "$work/kube.out" && break; sleep 0.1; done
grep -q listening "$work/kube.out" || { echo "kube-emulator did not start:" >&2; cat "$work/kube.log" >&2; exit 1; }
"$BIN/vectordr-operator" --kubeconfig "$KUBECONFIG" --Urls http://127.0.0.1:0 --Operator:LeaderElection:Enabled=false \
  --Operator:JobImage="$IMAGE:demo" --Logging:LogLevel:Default=Warning >"$work/operator.log" 2>&1 &
OPERATOR_PID=$!
k() { kubectl "$@"; }
echo "   $(grep -o 'https://[^ ]*' "$work/kube.out" | head -1) (pid $KUBE_PID), operator pid $OPERATOR_PID"

primary="$work/bucket-primary"; standby="$work/bucket-standby"; mkdir -p "$primary" "$standby"
step "kubectl apply: a BackupPolicy for 'demo', primary location + a standby-region replica, keep 3, RPO 1h"
cat >"$work/policy.yaml" <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: BackupPolicy
metadata:
  name: demo
  namespace: default
spec:
  source:
    qdrant: { url: "$QDRANT_URL" }
    collections: [demo]
  schedule: "0 3 * * *"
  storage: { location: "file://$primary" }
  replicas:
    - { name: standby, location: "file://$standby" }
  retention: { keepLast: 3 }
  rpo: 1h
YAML
cat "$work/policy.yaml"
k apply -f "$work/policy.yaml"
k wait --for=condition=Ready backuppolicy/demo --timeout=60s

step "kubectl annotate backuppolicy demo dr.vectordr.io/backup-now=1   (an on-demand run)"
t0=$(now_ms)
k annotate backuppolicy demo dr.vectordr.io/backup-now=1 --overwrite
k wait --for=condition=LastBackupSucceeded backuppolicy/demo --timeout=300s
k wait --for=condition=ReplicasInSync backuppolicy/demo --timeout=300s
echo "   backed up, copied to the standby location and verified there in $(( $(now_ms) - t0 )) ms"

step "kubectl get backuppolicies   (schedule, last backup, its age, RPO met, ready)"
k get backuppolicies -o wide
step "kubectl get jobs,pods   (the backup Job, then the copy-and-prune Job: init containers prune, copy-standby; main prune-standby)"
k get jobs,pods
step "kubectl get events"
k get events
step "vectordr list $standby   (the standby-region copy, usable with no cluster at all)"
vdr list "$standby"
step "kubectl get backuppolicy demo -o jsonpath='{.status}'"
k get backuppolicy demo -o jsonpath='{.status}'; echo

step "kubectl apply: a RestoreRequest — the latest backup, read from the standby copy, into 'demo-restored', then alias demo-live switched"
cat >"$work/restore.yaml" <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: RestoreRequest
metadata:
  name: demo-restore
  namespace: default
spec:
  source:
    backupPolicyRef: { name: demo, replica: standby }
    latest: true
  target:
    qdrant: { url: "$QDRANT_URL" }
    collections: [{ from: demo, to: demo-restored }]
    switchAlias: demo-live
YAML
cat "$work/restore.yaml"
k apply -f "$work/restore.yaml"
k wait --for=jsonpath='{.status.phase}'=Succeeded restorerequest/demo-restore --timeout=300s \
  || { k get restorerequest demo-restore -o yaml; exit 1; }
step "kubectl get restorerequests   (phase, backup, RTO in seconds, age)"
k get restorerequests
k get restorerequest demo-restore -o jsonpath='{range .status.collections[*]}   {.from} -> {.to}: {.points}/{.expectedPoints} points, recall {.recall}{"\n"}{end}'
echo "   alias demo-live -> $(curl -fsS "$QDRANT_URL/aliases" | python3 -c 'import json,sys; print(next(a["collection_name"] for a in json.load(sys.stdin)["result"]["aliases"] if a["alias_name"]=="demo-live"))')"

step "Done: CLI round trip; a policy-driven backup with its verified standby copy; a declarative restore from the standby copy with its RTO"
