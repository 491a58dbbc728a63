# Sourced by start-rgw.sh and stop-rgw.sh: where the throw-away Ceph cluster keeps its state.
# Default <repo>/.build/rgw; Ceph's unix socket paths are limited to 107 bytes and
# "$DIR/run/client.rgw.a.<pid>.<n>.asok" needs ~40 of them, so a long checkout path falls back to /tmp.
rgw_default_state_dir() {
  local repo d
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  d="$repo/.build/rgw"
  if [ "${#d}" -gt 60 ]; then d="${TMPDIR:-/tmp}/vectordr-rgw-$(id -u)"; fi
  echo "$d"
}
