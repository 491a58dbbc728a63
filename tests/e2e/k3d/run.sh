#!/usr/bin/env bash
# The emulated end-to-end scenarios on a real cluster: k3d (k3s in Docker), real Qdrant, MinIO as the primary and
# the standby "region", the operator image built from this checkout. Needs docker, k3d, kubectl, helm; not runnable
# on machines without a Docker engine (the emulated versions run in `make test`).
#
# Scenarios, in step with the emulated tests:
#   1. BackupPolicy backup-now → backup in the primary bucket, verified copy in the standby bucket, prune
#      (BackupPolicyRunTests.Backup_now_backs_up_copies_to_the_replica_verified_and_prunes,
#       .S3_primary_and_replica_with_credentials_from_Secrets_and_no_secret_value_anywhere)
#   2. RestoreRequest latest from the standby replica into a new collection, alias switched after verification
#      (RestoreRequestRunTests / RestoreFromS3Tests; `make demo` part 2)
#   2b. A file:// location on a PersistentVolumeClaim: backup-now there, then a RestoreRequest from it
#      (VolumeLocationTests.Backups_land_on_the_claims_mounted_at_the_location_paths_and_the_standby_claim_restores)
#   3. A second cluster with only the CRDs, the operator and Secrets restores from the bucket alone
#      (docs/runbooks/restore-into-a-new-cluster.md, RestoreFromS3Tests.A_new_cluster_restores_from_the_bucket_alone_as_the_runbook_says)
#
# The operator: from the Helm chart in the primary cluster (docs/install.md), from config/install in the DR cluster
# (the runbook), so both install paths meet a real API server.
#
# Usage: tests/e2e/k3d/run.sh [--keep]     (--keep leaves the clusters for inspection)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../../.." && pwd)"
source "$here/lib.sh"

KEEP=false; [ "${1:-}" = "--keep" ] && KEEP=true
PRIMARY=vdr-e2e-primary; DR=vdr-e2e-dr
IMAGE=ghcr.io/vectordr/vectordr:e2e
cleanup() { $KEEP || { k3d cluster delete "$PRIMARY" >/dev/null 2>&1 || true; k3d cluster delete "$DR" >/dev/null 2>&1 || true; }; }
trap cleanup EXIT

need docker; need k3d; need kubectl; need helm

step "Building $IMAGE from $root"
docker build -t "$IMAGE" "$root"

for cluster in "$PRIMARY" "$DR"; do
  step "Creating k3d cluster $cluster"
  # One Docker network for both clusters, so the DR cluster's pods reach MinIO's NodePort on the primary's node.
  k3d cluster create "$cluster" --network vdr-e2e --wait --no-lb --k3s-arg "--disable=traefik@server:0" >/dev/null
  k3d image import "$IMAGE" -c "$cluster" >/dev/null
done

# MinIO runs once, in the primary cluster, reachable from both clusters through the Docker network (k3d puts both
# clusters' nodes on it): the "bucket" outlives the primary cluster, as a real cross-region bucket would.
use "$PRIMARY"
install_minio
MINIO_URL="http://$(minio_node_address):30900"

step "Qdrant and the operator in $PRIMARY"
install_qdrant
install_operator_chart "$IMAGE"
seed_collection docs 2000 64

create_secrets qdrant
kubectl -n qdrant apply -f - <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: BackupPolicy
metadata: { name: docs, namespace: qdrant }
spec:
  source:
    qdrant: { url: "http://qdrant.qdrant.svc:6333", apiKeySecretRef: { name: qdrant-api-key, key: api-key } }
    collections: [docs]
  schedule: "0 3 * * *"
  storage:
    location: "s3://primary/qdrant?endpoint=$MINIO_URL&region=us-east-1&pathStyle=true&checksum=when-required"
    credentialsSecretRef: { name: bucket }
  replicas:
  - name: standby
    location: "s3://standby/qdrant?endpoint=$MINIO_URL&region=us-east-1&pathStyle=true&checksum=when-required"
    credentialsSecretRef: { name: bucket }
  retention: { keepLast: 2 }
  rpo: 1h
YAML
kubectl -n qdrant wait --for=condition=Ready backuppolicy/docs --timeout=120s

step "Scenario 1: three on-demand runs; keepLast 2 on both sides"
for i in 1 2 3; do
  kubectl -n qdrant annotate backuppolicy docs dr.vectordr.io/backup-now="$i" --overwrite
  wait_jsonpath qdrant backuppolicy/docs '{.status.lastBackupNowValue}' "$i"
  wait_jsonpath qdrant backuppolicy/docs '{.status.recentBackups[0].sync}' Succeeded 600
done
kubectl -n qdrant get backuppolicies -o wide
expect_condition qdrant backuppolicy/docs LastBackupSucceeded True
expect_condition qdrant backuppolicy/docs ReplicasInSync True
expect_condition qdrant backuppolicy/docs RPOMet True
[ "$(count_backups primary)" = 2 ] || fail "primary bucket should hold 2 backups"
[ "$(count_backups standby)" = 2 ] || fail "standby bucket should hold 2 backups"
no_secret_in qdrant

step "Scenario 2: RestoreRequest from the standby replica, alias switched after verification"
kubectl -n qdrant apply -f - <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: RestoreRequest
metadata: { name: from-standby, namespace: qdrant }
spec:
  source: { backupPolicyRef: { name: docs, replica: standby }, latest: true }
  target:
    qdrant: { url: "http://qdrant.qdrant.svc:6333", apiKeySecretRef: { name: qdrant-api-key, key: api-key } }
    collections: [{ from: docs, to: docs-restored }]
    switchAlias: docs-live
YAML
wait_jsonpath qdrant restorerequest/from-standby '{.status.phase}' Succeeded 600
kubectl -n qdrant get restorerequests
[ "$(alias_target docs-live)" = docs-restored ] || fail "alias docs-live should point at docs-restored"

step "Scenario 2b: a file:// location on a PersistentVolumeClaim (k3s's local-path provisioner)"
kubectl -n qdrant apply -f - <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: dr-backups, namespace: qdrant }
spec: { accessModes: [ReadWriteOnce], storageClassName: local-path, resources: { requests: { storage: 1Gi } } }
---
apiVersion: dr.vectordr.io/v1alpha1
kind: BackupPolicy
metadata: { name: docs-on-pvc, namespace: qdrant }
spec:
  source:
    qdrant: { url: "http://qdrant.qdrant.svc:6333", apiKeySecretRef: { name: qdrant-api-key, key: api-key } }
    collections: [docs]
  schedule: "0 4 * * *"
  storage: { location: "file:///backups/docs", persistentVolumeClaim: { claimName: dr-backups } }
YAML
kubectl -n qdrant wait --for=condition=Ready backuppolicy/docs-on-pvc --timeout=120s
kubectl -n qdrant annotate backuppolicy docs-on-pvc dr.vectordr.io/backup-now=pvc-1 --overwrite
wait_jsonpath qdrant backuppolicy/docs-on-pvc '{.status.recentBackups[0].result}' Succeeded 600
kubectl -n qdrant apply -f - <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: RestoreRequest
metadata: { name: from-pvc, namespace: qdrant }
spec:
  source: { backupPolicyRef: { name: docs-on-pvc }, latest: true }
  target:
    qdrant: { url: "http://qdrant.qdrant.svc:6333", apiKeySecretRef: { name: qdrant-api-key, key: api-key } }
    collections: [{ from: docs, to: docs-from-pvc }]
YAML
wait_jsonpath qdrant restorerequest/from-pvc '{.status.phase}' Succeeded 600
[ "$(collection_count docs-from-pvc)" = 2000 ] || fail "docs-from-pvc should hold 2000 points"

step "Scenario 3: the DR cluster has nothing but the bucket (runbook: docs/runbooks/restore-into-a-new-cluster.md)"
use "$DR"
install_qdrant
kubectl apply -f "$root/crds/"                                   # runbook step 1
create_secrets qdrant                                            # runbook step 2
install_operator_kustomize "$IMAGE"                              # runbook step 3
kubectl -n qdrant apply -f - <<YAML
apiVersion: dr.vectordr.io/v1alpha1
kind: RestoreRequest
metadata: { name: restore-prod, namespace: qdrant }
spec:
  source:
    location: "s3://standby/qdrant?endpoint=$MINIO_URL&region=us-east-1&pathStyle=true&checksum=when-required"
    credentialsSecretRef: { name: bucket }
    latest: true
  target:
    qdrant: { url: "http://qdrant.qdrant.svc:6333", apiKeySecretRef: { name: qdrant-api-key, key: api-key } }
YAML
wait_jsonpath qdrant restorerequest/restore-prod '{.status.phase}' Succeeded 600   # runbook step 5
kubectl -n qdrant get restorerequest restore-prod -o jsonpath='{range .status.collections[*]}{.from}: {.points}/{.expectedPoints} recall {.recall}{"\n"}{end}'
[ "$(collection_count docs)" = 2000 ] || fail "the DR cluster's docs should hold 2000 points"

step "All k3d scenarios passed"
