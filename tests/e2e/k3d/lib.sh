# Helpers for tests/e2e/k3d/run.sh (sourced).
QDRANT_KEY="${QDRANT_KEY:-e2e-qdrant-key}"
MINIO_USER="${MINIO_USER:-vdr-e2e}"; MINIO_PASSWORD="${MINIO_PASSWORD:-vdr-e2e-secret-key}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || fail "$1 is required"; }
use() { kubectl config use-context "k3d-$1" >/dev/null; }

# wait_jsonpath NS OBJECT JSONPATH VALUE [SECONDS]: polls until the field equals VALUE (kubectl wait --for=jsonpath
# needs kubectl >= 1.23; polling also prints what the field was when it times out).
wait_jsonpath() {
  local ns="$1" obj="$2" path="$3" want="$4" seconds="${5:-300}" got=""
  for _ in $(seq 1 "$seconds"); do
    got="$(kubectl -n "$ns" get "$obj" -o jsonpath="$path" 2>/dev/null || true)"
    [ "$got" = "$want" ] && return 0
    [ "$got" = Failed ] && { kubectl -n "$ns" get "$obj" -o yaml; fail "$obj failed"; }
    sleep 1
  done
  kubectl -n "$ns" get "$obj" -o yaml; fail "$obj: $path is '$got', wanted '$want'"
}

expect_condition() {
  local got; got="$(kubectl -n "$1" get "$2" -o jsonpath="{.status.conditions[?(@.type==\"$3\")].status}")"
  [ "$got" = "$4" ] || { kubectl -n "$1" get "$2" -o yaml; fail "$2 condition $3 is '$got', wanted $4"; }
}

install_minio() {
  step "MinIO (NodePort 30900), buckets primary and standby"
  kubectl create namespace storage --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n storage apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: minio }
spec:
  selector: { matchLabels: { app: minio } }
  template:
    metadata: { labels: { app: minio } }
    spec:
      containers:
      - name: minio
        image: quay.io/minio/minio:latest
        args: [server, /data]
        env:
        - { name: MINIO_ROOT_USER, value: "$MINIO_USER" }
        - { name: MINIO_ROOT_PASSWORD, value: "$MINIO_PASSWORD" }
        ports: [{ containerPort: 9000 }]
        readinessProbe: { httpGet: { path: /minio/health/ready, port: 9000 } }
---
apiVersion: v1
kind: Service
metadata: { name: minio }
spec:
  type: NodePort
  selector: { app: minio }
  ports: [{ port: 9000, targetPort: 9000, nodePort: 30900 }]
YAML
  kubectl -n storage rollout status deploy/minio --timeout=180s
  kubectl -n storage run mc --rm -i --restart=Never --image=quay.io/minio/mc:latest --command -- sh -c \
    "mc alias set e2e http://minio.storage.svc:9000 '$MINIO_USER' '$MINIO_PASSWORD' >/dev/null && mc mb -p e2e/primary e2e/standby"
}

# The primary cluster's node address on the shared Docker network (reachable from the DR cluster's pods too).
minio_node_address() { docker inspect -f '{{(index .NetworkSettings.Networks "vdr-e2e").IPAddress}}' "k3d-$PRIMARY-server-0"; }

install_qdrant() {
  step "Qdrant (with an API key)"
  kubectl create namespace qdrant --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  helm repo add qdrant https://qdrant.github.io/qdrant-helm >/dev/null 2>&1 || true
  helm upgrade --install qdrant qdrant/qdrant -n qdrant --set apiKey="$QDRANT_KEY" --wait --timeout 5m >/dev/null
}

# install_operator_chart IMAGE: the Helm chart (charts/vectordr-operator), as docs/install.md says; a real API server
# enforces its RBAC, which the emulated tests cannot.
install_operator_chart() {
  step "vectordr-operator from the Helm chart ($1)"
  helm upgrade --install vectordr-operator "$root/charts/vectordr-operator" -n vectordr-system --create-namespace \
    --set image.repository="${1%:*}" --set image.tag="${1##*:}" --set image.pullPolicy=Never --set jobs.pullPolicy=Never \
    --wait --timeout 3m >/dev/null
  kubectl -n vectordr-system rollout status deploy/vectordr-operator --timeout=180s
}

# install_operator_kustomize IMAGE: config/install, as the restore runbook's step 3 says.
install_operator_kustomize() {
  step "vectordr-operator from config/install ($1)"
  kubectl apply -k "$root/config/install" >/dev/null
  kubectl -n vectordr-system set image deploy/vectordr-operator operator="$1" >/dev/null
  kubectl -n vectordr-system set env deploy/vectordr-operator Operator__JobImage="$1" Operator__JobImagePullPolicy=Never >/dev/null
  kubectl -n vectordr-system patch deploy/vectordr-operator --type=json \
    -p '[{"op":"replace","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"Never"}]' >/dev/null
  kubectl -n vectordr-system rollout status deploy/vectordr-operator --timeout=180s
}

create_secrets() {
  kubectl -n "$1" create secret generic qdrant-api-key --from-literal=api-key="$QDRANT_KEY" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$1" create secret generic bucket --from-literal=AWS_ACCESS_KEY_ID="$MINIO_USER" \
    --from-literal=AWS_SECRET_ACCESS_KEY="$MINIO_PASSWORD" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}

# qdrant_api METHOD PATH [BODY]: Qdrant's REST API through a port-forward-free one-shot pod.
qdrant_api() {
  kubectl -n qdrant run "q-$RANDOM" --rm -i --restart=Never --quiet --image=curlimages/curl:latest --command -- \
    curl -fsS -X "$1" -H "api-key: $QDRANT_KEY" -H 'content-type: application/json' "http://qdrant.qdrant.svc:6333$2" ${3:+-d "$3"}
}

seed_collection() {
  local name="$1" points="$2" dim="$3"
  step "Seeding collection $name ($points x $dim)"
  qdrant_api PUT "/collections/$name" "{\"vectors\":{\"size\":$dim,\"distance\":\"Cosine\"}}" >/dev/null
  python3 - "$points" "$dim" >/tmp/vdr-e2e-points.json <<'PY'
import json, random, sys
n, d = int(sys.argv[1]), int(sys.argv[2]); random.seed(7)
print(json.dumps({"points": [{"id": i, "vector": [random.uniform(-1, 1) for _ in range(d)], "payload": {"n": i}} for i in range(n)]}))
PY
  kubectl -n qdrant run "seed-$RANDOM" --rm -i --restart=Never --quiet --image=curlimages/curl:latest --command -- \
    curl -fsS -X PUT -H "api-key: $QDRANT_KEY" -H 'content-type: application/json' --data-binary @- \
    "http://qdrant.qdrant.svc:6333/collections/$name/points?wait=true" </tmp/vdr-e2e-points.json >/dev/null
}

collection_count() { qdrant_api POST "/collections/$1/points/count" '{"exact":true}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["count"])'; }

alias_target() {
  qdrant_api GET /aliases | python3 -c "import json,sys; print(next((a['collection_name'] for a in json.load(sys.stdin)['result']['aliases'] if a['alias_name']=='$1'), ''))"
}

count_backups() {
  kubectl -n storage run "mc-$RANDOM" --rm -i --restart=Never --quiet --image=quay.io/minio/mc:latest --command -- sh -c \
    "mc alias set e2e http://minio.storage.svc:9000 '$MINIO_USER' '$MINIO_PASSWORD' >/dev/null && mc find e2e/$1/qdrant/backups --name manifest.json" | grep -c manifest.json
}

# no_secret_in NS: no secret value in Jobs, pods, events, policies, requests, the operator's log.
no_secret_in() {
  local dump; dump="$(kubectl -n "$1" get jobs,pods,events,backuppolicies,restorerequests -o yaml; kubectl -n vectordr-system logs deploy/vectordr-operator)"
  for secret in "$QDRANT_KEY" "$MINIO_PASSWORD"; do
    if grep -qF "$secret" <<<"$dump"; then fail "a secret value appears in the cluster's objects or logs"; fi
  done
}
