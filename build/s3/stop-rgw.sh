#!/usr/bin/env bash
# Stop the throw-away Ceph cluster started by build/s3/start-rgw.sh, by the PIDs it recorded (never by
# process name), then delete its state dir. Idempotent: fine to run when nothing runs.
#   RGW_STATE_DIR  state dir (same default as start-rgw.sh)
#   KEEP_STATE=1   keep the dir (logs) instead of deleting it
#   STOP_GRACE     seconds to wait after SIGTERM before SIGKILL (default 3; radosgw takes ~4 s to exit
#                  cleanly after serving requests, and the cluster is throw-away anyway)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$HERE/state-dir.sh"
DIR="${RGW_STATE_DIR:-$(rgw_default_state_dir)}"
CONF="$DIR/ceph.conf"
GRACE="${STOP_GRACE:-3}"
log() { echo "[stop-rgw] $*" >&2; }

ours() { # pid -> 0 if it is alive and was started with our ceph.conf (guards against PID reuse)
  local cmd
  [ -d "/proc/$1" ] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$CONF"* ]]
}
running() { # pid -> 0 while the process exists (a zombie with no threads left counts as gone)
  [ -d "/proc/$1" ] || return 1
  grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null || return 0
  [ "$(awk '/^Threads:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0)" -gt 1 ]
}

if [ -d "$DIR/pids" ]; then
  for name in rgw osd mon; do # rgw first, mon last
    f="$DIR/pids/$name.pid"
    [ -s "$f" ] || continue
    pid="$(cat "$f")"
    if ours "$pid"; then
      t0=$(date +%s%N)
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 $(( GRACE * 10 ))); do running "$pid" || break; sleep 0.1; done
      if running "$pid"; then
        log "$name ($pid) still running ${GRACE}s after SIGTERM, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
      fi
      log "stopped $name (pid $pid) in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    fi
    rm -f "$f"
  done
fi
if [ -d "$DIR" ] && [ "${KEEP_STATE:-0}" != 1 ]; then
  case "$DIR" in /|/tmp|/root|/home|"$REPO"|"") log "refusing to delete '$DIR'";; *) rm -rf -- "$DIR";; esac
fi
exit 0
