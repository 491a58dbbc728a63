# Shared helpers for the demo and benchmark scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/artifacts/bin"

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
