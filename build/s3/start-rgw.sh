#!/usr/bin/env bash
# Start a throw-away, single-node Ceph cluster (1 mon, 1 osd) plus a RADOS Gateway (S3 API) bound to
# 127.0.0.1 only, for VectorDR's storage tests. No systemd: plain background processes, each PID recorded
# in $RGW_STATE_DIR/pids/. Idempotent: when the cluster in $RGW_STATE_DIR is up and answering, it only
# prints the connection details again. Stop it with build/s3/stop-rgw.sh (same RGW_STATE_DIR).
#
# Based on ../shared/s3/start-ceph-rgw.sh (the measured reference); the project carries its own copy so
# a fresh clone can run `make test`.
#
# Packages: installs what is missing with
#   apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd curl uuid-runtime bc openssl
# (running `apt-get update` once first if that install fails). ~40-60 s and ~270 MB the first time.
# Set RGW_NO_INSTALL=1 to fail instead of installing.
#
# Environment knobs (all optional):
#   RGW_STATE_DIR     state dir (default <repo>/.build/rgw, or ${TMPDIR:-/tmp}/vectordr-rgw-<uid> when the repo
#                     path is too long for Ceph's unix sockets); everything lives here, including s3.env
#   CEPH_OSD_STORE    bluestore (default; a sparse file, memory-bounded) | memstore (all data in RAM)
#   CEPH_OSD_SIZE_GB  size of the sparse bluestore file / memstore cap (default 20)
#   RGW_PORT          S3 port, plain http (default: a free port picked at random)
#   RGW_TLS_PORT      S3 port, https with a self-signed certificate (default: a free port picked at random)
#   START_TIMEOUT     seconds to wait for each stage (default 180)
#
# Output (stdout, and $RGW_STATE_DIR/s3.env as KEY=VALUE lines, loadable with `set -a; . s3.env; set +a`):
#   S3_ENDPOINT  AWS_ACCESS_KEY_ID  AWS_SECRET_ACCESS_KEY  S3_REGION  S3_SSE_KMS_KEY_ID
#   S3_READER_ACCESS_KEY_ID  S3_READER_SECRET_ACCESS_KEY   (a second user that owns nothing, for permission tests)
#   S3_ENDPOINT_TLS  S3_CA_BUNDLE   (the same server over https; the PEM of its self-signed certificate)
#   S3_SERVER  S3_STATE_DIR
# The keys are fresh, random and test-only; the server listens on loopback only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/state-dir.sh"
DIR="${RGW_STATE_DIR:-$(rgw_default_state_dir)}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
STORE="${CEPH_OSD_STORE:-bluestore}"
SIZE_GB="${CEPH_OSD_SIZE_GB:-20}"
TIMEOUT="${START_TIMEOUT:-180}"
CONF="$DIR/ceph.conf"
T0=$(date +%s%N)

log() { echo "[start-rgw] $*" >&2; }
elapsed() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '%d.%01d' $(( ms / 1000 )) $(( ms % 1000 / 100 )); }
STARTED=0
die() {
  log "ERROR: $*"
  if [ "$STARTED" = 1 ]; then # stop what we started, keep the logs for diagnosis
    log "stopping the partial cluster (logs kept in $DIR/log)"
    RGW_STATE_DIR="$DIR" KEEP_STATE=1 "$HERE/stop-rgw.sh" >&2 || true
  fi
  exit 1
}
trap 'die "command failed at line $LINENO"' ERR

# ---------- packages ----------
PKGS=(radosgw ceph-mon ceph-osd curl uuid-runtime bc openssl)
missing=0
for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph ceph-authtool curl openssl; do
  command -v "$b" >/dev/null 2>&1 || { missing=1; break; }
done
if [ "$missing" = 1 ]; then
  [ "${RGW_NO_INSTALL:-0}" != 1 ] || die "Ceph packages missing (apt-get install -y --no-install-recommends ${PKGS[*]})"
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo -n)
  log "installing ${PKGS[*]} (first run only)"
  apt_install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PKGS[@]}" >"$DIR/apt.log" 2>&1; }
  if ! apt_install; then
    log "install failed; running apt-get update once and retrying"
    "${SUDO[@]}" apt-get update -q >>"$DIR/apt.log" 2>&1 || die "apt-get update failed (see $DIR/apt.log)"
    apt_install || die "apt-get install failed (see $DIR/apt.log)"
  fi
  log "packages installed after $(elapsed)s"
fi

pid_alive() { # pidfile -> 0 if the recorded process is alive and still ours (started with our ceph.conf)
  local f="$1" p
  [ -s "$f" ] || return 1
  p="$(cat "$f")"
  [ -d "/proc/$p" ] || return 1
  local cmd # read first, then match: `tr | grep -q` can fail under pipefail when grep exits early
  cmd="$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$CONF"* ]]
}

# ---------- idempotency: already running? ----------
if [ -f "$DIR/s3.env" ] && pid_alive "$DIR/pids/mon.pid" && pid_alive "$DIR/pids/osd.pid" && pid_alive "$DIR/pids/rgw.pid"; then
  endpoint="$(sed -n 's/^S3_ENDPOINT=//p' "$DIR/s3.env")"
  if curl -fsS -o /dev/null --max-time 5 "$endpoint/" 2>/dev/null; then
    log "already running in $DIR ($(elapsed)s)"
    cat "$DIR/s3.env"
    exit 0
  fi
fi
# stale or partial state: stop whatever is left (by PID) and start from scratch
if [ -e "$DIR/ceph.conf" ] || [ -d "$DIR/pids" ]; then
  log "cleaning stale state in $DIR"
  RGW_STATE_DIR="$DIR" "$HERE/stop-rgw.sh" >&2 || true
  mkdir -p "$DIR"
fi
rm -rf "${DIR:?}"/{run,log,pids,mon.a,osd.0,rgw.a,crash} "$DIR/s3.env"

port_free() { # nothing listening on 127.0.0.1:$1 (bash /dev/tcp: no dependency on ss/netstat)
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
USED_PORTS=" "
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    case "$USED_PORTS" in *" $p "*) continue;; esac
    if port_free "$p"; then USED_PORTS="$USED_PORTS$p "; echo "$p"; return 0; fi
  done
  return 1
}
new_uuid() { if command -v uuidgen >/dev/null 2>&1; then uuidgen; else cat /proc/sys/kernel/random/uuid; fi; }
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

mkdir -p "$DIR"/{run,log,pids,mon.a,osd.0,rgw.a,crash}
MON_PORT1="$(free_port)"; USED_PORTS="$USED_PORTS$MON_PORT1 "
MON_PORT2="$(free_port)"; USED_PORTS="$USED_PORTS$MON_PORT2 "
RGW_PORT="${RGW_PORT:-$(free_port)}"; USED_PORTS="$USED_PORTS$RGW_PORT "
RGW_TLS_PORT="${RGW_TLS_PORT:-$(free_port)}"
FSID="$(new_uuid)"
OSD_UUID="$(new_uuid)"
ACCESS_KEY="$(hex 10 | tr 'a-f' 'A-F')"
SECRET_KEY="$(hex 20)"
READER_ACCESS_KEY="$(hex 10 | tr 'a-f' 'A-F')"
READER_SECRET_KEY="$(hex 20)"
KMS_KEY="$(head -c 32 /dev/urandom | base64 -w0)" # SSE-KMS "testing" backend key (key id testkey-1), test-only

# A self-signed certificate for the https endpoint (tests of TLS and of AWS_CA_BUNDLE); test-only, like the keys.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=vectordr-test-rgw" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$DIR/tls.key" -out "$DIR/tls.crt" >>"$DIR/log/openssl.log" 2>&1 \
  || die "openssl could not create the test certificate (see $DIR/log/openssl.log)"

cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT2,v1:127.0.0.1:$MON_PORT1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.1/32
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
# radosgw defaults ms_mon_client_mode to 'secure', which auth=none cannot satisfy (EACCES -13)
ms mon client mode = crc secure
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
keyring = $DIR/keyring
# single OSD, size-1 pools
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# the disk is shared with everything else: do not stop the mon at 5% free
mon data avail crit = 1
mon data avail warn = 2
mon warn on insecure global id reclaim allowed = false
# every pool create / osd boot waits one paxos round (default 1 s); rgw makes ~15 of them at start
paxos propose interval = 0.05
paxos min wait = 0.01
log to stderr = false
err to stderr = false
mon cluster log to stderr = false

[mon]
mon data = $DIR/mon.\$id

[osd]
osd data = $DIR/osd.\$id
osd objectstore = $STORE
osd memory target = 1073741824
bluestore block create = true
bluestore block size = $(( SIZE_GB * 1024 * 1024 * 1024 ))
bluestore fsck on mount = false
memstore device bytes = $(( SIZE_GB * 1024 * 1024 * 1024 ))
osd max object name len = 460
osd max object namespace len = 64

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT ssl_endpoint=127.0.0.1:$RGW_TLS_PORT ssl_certificate=$DIR/tls.crt ssl_private_key=$DIR/tls.key
rgw data = $DIR/rgw.\$id
rgw dns name = localhost
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=$KMS_KEY
rgw enable usage log = false
rgw thread pool size = 64
# lifecycle "days" become 10-second units (lets tests exercise expiration rules quickly)
rgw lc debug interval = 10
# reclaim deleted objects' space after ~1 min instead of 2 h (long test runs on a small disk)
rgw gc obj min wait = 60
rgw gc processor period = 60
CONF

# minimal keyring (auth is off, but mkfs insists on one)
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null

CEPH=(ceph -c "$CONF" --connect-timeout 15)
wait_for() { # description, seconds, command...
  local what="$1" secs="$2"; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out after ${secs}s waiting for $what (logs: $DIR/log)"
    sleep 0.3
  done
}
start_daemon() { # name, command...   (setsid: the daemons outlive this script and the test runner's process group)
  local name="$1"; shift
  STARTED=1
  setsid "$@" </dev/null >>"$DIR/log/$name.stdout" 2>&1 &
  echo $! >"$DIR/pids/$name.pid"
}

# ---------- mon ----------
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT2,v1:127.0.0.1:$MON_PORT1]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" >>"$DIR/log/mkfs.log" 2>&1 \
  || die "ceph-mon --mkfs failed (see $DIR/log/mkfs.log)"
start_daemon mon ceph-mon -c "$CONF" -i a -f
wait_for "monitor quorum" "$TIMEOUT" "${CEPH[@]}" mon stat
log "mon up after $(elapsed)s"

# ---------- osd ----------
OSD_ID="$("${CEPH[@]}" osd new "$OSD_UUID")"
[ "$OSD_ID" = 0 ] || die "unexpected osd id '$OSD_ID'"
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >>"$DIR/log/mkfs.log" 2>&1 \
  || die "ceph-osd --mkfs failed (see $DIR/log/mkfs.log)"
start_daemon osd ceph-osd -c "$CONF" -i 0 -f
osd_up() { "${CEPH[@]}" osd dump --format json | grep -q '"up":1'; }
wait_for "osd.0 up" "$TIMEOUT" osd_up
log "osd up after $(elapsed)s"

# ---------- rgw ----------
start_daemon rgw radosgw -c "$CONF" -n client.rgw.a -f
rgw_answers() { curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$RGW_PORT/"; }
wait_for "radosgw on 127.0.0.1:$RGW_PORT" "$TIMEOUT" rgw_answers
rgw_tls_answers() { curl -fsS -o /dev/null --max-time 5 --cacert "$DIR/tls.crt" "https://127.0.0.1:$RGW_TLS_PORT/"; }
wait_for "radosgw on https://127.0.0.1:$RGW_TLS_PORT" "$TIMEOUT" rgw_tls_answers
log "rgw answering after $(elapsed)s"

create_user() { # uid, display name, access key, secret key
  radosgw-admin -c "$CONF" user create --uid="$1" --display-name="$2" --access-key="$3" --secret-key="$4" \
    >"$DIR/user-$1.json" 2>>"$DIR/log/radosgw-admin.log" || die "radosgw-admin user create $1 failed (see $DIR/log/radosgw-admin.log)"
}
create_user tester "VectorDR test user" "$ACCESS_KEY" "$SECRET_KEY"
create_user reader "VectorDR second user (owns nothing)" "$READER_ACCESS_KEY" "$READER_SECRET_KEY"

umask 077 # the env file holds (test-only) secrets
cat >"$DIR/s3.env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_ENDPOINT_TLS=https://127.0.0.1:$RGW_TLS_PORT
S3_CA_BUNDLE=$DIR/tls.crt
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
S3_REGION=us-east-1
S3_SSE_KMS_KEY_ID=testkey-1
S3_READER_ACCESS_KEY_ID=$READER_ACCESS_KEY
S3_READER_SECRET_ACCESS_KEY=$READER_SECRET_KEY
S3_SERVER=ceph-rgw
S3_STATE_DIR=$DIR
ENV

# a SigV4-signed ListBuckets with the new key must succeed before we report ready
signed_ok() { curl -fsS -o /dev/null --max-time 5 --aws-sigv4 "aws:amz:us-east-1:s3" \
                -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
                --user "$ACCESS_KEY:$SECRET_KEY" "http://127.0.0.1:$RGW_PORT/"; }
wait_for "a signed request to succeed" 30 signed_ok
log "ready after $(elapsed)s (state: $DIR)"
cat "$DIR/s3.env"
