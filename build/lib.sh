# Shared helpers for the demo and benchmark scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# VDR_BIN: run the scripts against binaries published elsewhere (a second working build) instead of artifacts/bin.
BIN="${VDR_BIN:-$ROOT/artifacts/bin}"

# start_qdrant_emulator DATA_DIR [ARGS...]: starts the emulator on a free loopback port in the background,
# sets QDRANT_PID and QDRANT_URL. Stopped with stop_pid "$QDRANT_PID" (by PID, never by name).
start_qdrant_emulator() {
  local data="$1"; shift
  mkdir -p "$data"
  local out="$data/emulator.out"
  "$BIN/qdrant-emulator" --port 0 --data-dir "$data" "$@" >"$out" 2>"$data/emulator.log" &
  QDRANT_PID=$!
  for _ in $(seq 1 600); do
    if QDRANT_URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out" | head -1) && [ -n "$QDRANT_URL" ]; then
      QDRANT_URL="${QDRANT_URL%/}"
      return 0
    fi
    kill -0 "$QDRANT_PID" 2>/dev/null || { echo "qdrant-emulator exited early:" >&2; cat "$data/emulator.log" >&2; return 1; }
    sleep 0.1
  done
  echo "qdrant-emulator did not become ready in 60 s" >&2; return 1
}

stop_pid() {
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

now_ms() { date +%s%3N; }

# watch_disk DIR OUT: samples `du -sb DIR` every 100 ms and keeps the peak (bytes) in OUT until killed.
watch_disk() {
  local dir="$1" out="$2" peak=0 now
  echo 0 >"$out"
  while true; do
    now=$(du -sb "$dir" 2>/dev/null | cut -f1); now=${now:-0}
    if [ "$now" -gt "$peak" ]; then peak=$now; echo "$peak" >"$out"; fi
    sleep 0.1
  done
}

# s3_env: loads the test RGW's settings (starting it if needed) for the S3 benchmarks.
s3_env() {
  mkdir -p "$ROOT/.build"
  "$ROOT/build/s3/start-rgw.sh" >"$ROOT/.build/s3.env.tmp" && mv "$ROOT/.build/s3.env.tmp" "$ROOT/.build/s3.env"
  set -a; . "$ROOT/.build/s3.env"; set +a
}

# s3_location BUCKET PREFIX: the location string for the test RGW.
s3_location() { echo "s3://$1/$2?endpoint=$S3_ENDPOINT&region=${S3_REGION:-us-east-1}&pathStyle=true&checksum=when-required"; }

# timed_run OUT CMD...: runs CMD under GNU time; OUT gets "seconds maxrss_kb".
timed_run() { local out="$1"; shift; /usr/bin/time -f "%e %M" -o "$out" "$@"; }

mb() { python3 -c "import sys; print(f'{float(sys.argv[1])/1e6:.1f}')" "$1"; }
mbps() { python3 -c "import sys; print(f'{float(sys.argv[1])/1e6/float(sys.argv[2]):.1f}')" "$1" "$2"; }
machine_line() {
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Debian's awscli (/usr/bin/aws), for bucket creation and the S3 baselines. Called by absolute path: another `aws`
# earlier on PATH (a pip or pyenv install, another major version) would silently change what the baseline measures.
AWS_CLI=/usr/bin/aws
apt_install() { apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }; }
need_awscli() { [ -x "$AWS_CLI" ] || apt_install awscli; }
need_s3cmd() { command -v s3cmd >/dev/null || apt_install s3cmd; }
# GNU time (peak RSS, %M) and curl, for the benchmarks.
need_time() { [ -x /usr/bin/time ] || apt_install time; }
need_curl() { command -v curl >/dev/null || apt_install curl; }
# Lua 5.1 (Argo CD's health scripts run in gopher-lua, 5.1 semantics) and dkjson, for the health-check tests.
need_lua() { { command -v lua5.1 >/dev/null && [ -f /usr/share/lua/5.1/dkjson.lua ]; } || apt_install lua5.1 lua-dkjson; }
aws_s3() { AWS_DEFAULT_REGION="${S3_REGION:-us-east-1}" "$AWS_CLI" --endpoint-url "$S3_ENDPOINT" "$@"; }
new_bucket() { local b="vdr-bench-$(date +%s%N | tail -c 10)"; aws_s3 s3 mb "s3://$b" >/dev/null; echo "$b"; }
drop_bucket() { aws_s3 s3 rb "s3://$1" --force >/dev/null 2>&1 || true; rgw_reclaim; }
# drop_prefix BUCKET PREFIX: removes a benchmark round's objects once it is timed. Rounds of gigabytes would otherwise
# fill the test OSD (20 GB), and a full Ceph OSD blocks writes (requests hang) instead of failing them.
drop_prefix() { aws_s3 s3 rm "s3://$1/$2" --recursive --only-show-errors >/dev/null 2>&1 || true; rgw_reclaim; }
# rgw_reclaim: RGW frees deleted objects' space in its garbage collector, a minute or more later; run it now.
rgw_reclaim() {
  [ -n "${S3_STATE_DIR:-}" ] && [ -f "$S3_STATE_DIR/ceph.conf" ] || return 0
  radosgw-admin -c "$S3_STATE_DIR/ceph.conf" gc process --include-all >/dev/null 2>&1 || true
}
