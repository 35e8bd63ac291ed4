#!/usr/bin/env bash
# Loopback test deployment of PostgreSQL (primary + synchronous standby)
# managed by Patroni, with a single-member etcd as the DCS.
#
#   cluster.sh DIR BASEPORT start|primary|kill-primary|restart NODE|status|stop|url
#
# Everything lives under DIR (owned by the postgres OS user); every port is
# derived from BASEPORT and bound to 127.0.0.1 only:
#   etcd client BASEPORT, etcd peer BASEPORT+1,
#   node1 postgres BASEPORT+10, node1 REST BASEPORT+11,
#   node2 postgres BASEPORT+20, node2 REST BASEPORT+21.
#
# TEST ONLY: one etcd member (no quorum) and pg_hba "trust" for 127.0.0.1.
# See README.md and patroni.yml.example for a real deployment.
set -euo pipefail

usage() {
    echo "usage: $0 DIR BASEPORT start|primary|kill-primary|restart node1|node2|status|stop|url" >&2
    exit 2
}
die() { echo "cluster.sh: error: $*" >&2; exit 1; }
log() { echo "cluster.sh: $*" >&2; }

[ $# -ge 3 ] || usage
DIR=$1
BASEPORT=$2
CMD=$3
shift 3
[[ $BASEPORT =~ ^[0-9]+$ ]] && [ "$BASEPORT" -ge 1024 ] && [ "$BASEPORT" -le 65500 ] \
    || die "BASEPORT must be a number in 1024..65500, got '$BASEPORT'"
case $DIR in /*) ;; *) DIR=$(pwd)/$DIR ;; esac
DIR=${DIR%/}

SCOPE=wangge
PG_USER=postgres
ETCD_CLIENT=$BASEPORT
ETCD_PEER=$((BASEPORT + 1))
NODES=(node1 node2)
WAIT_SECS=${WAIT_SECS:-60}

pg_port()   { case $1 in node1) echo $((BASEPORT + 10)) ;; node2) echo $((BASEPORT + 20)) ;; *) die "unknown node '$1'" ;; esac; }
rest_port() { case $1 in node1) echo $((BASEPORT + 11)) ;; node2) echo $((BASEPORT + 21)) ;; *) die "unknown node '$1'" ;; esac; }
other()     { case $1 in node1) echo node2 ;; node2) echo node1 ;; *) die "unknown node '$1'" ;; esac; }

find_bindir() {
    local v
    v=$(ls -1 /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1 || true)
    [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/postgres" ] || die "no PostgreSQL found under /usr/lib/postgresql"
    echo "/usr/lib/postgresql/$v/bin"
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found (apt-get install -y patroni etcd-server postgresql curl)"; }

# pid helpers -------------------------------------------------------------
pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pidfile_pid() { [ -s "$1" ] && head -n1 "$1" | tr -dc 0-9 || true; }
running() { pid_alive "$(pidfile_pid "$1")"; }
postmaster_pid() { pidfile_pid "$DIR/$1/data/postmaster.pid"; }

tail_logs() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        echo "----- last lines of $f -----" >&2
        tail -n 25 "$f" >&2
    done
}

# wait_for SECONDS "description" "log files" command...
wait_for() {
    local secs=$1 what=$2 logs=$3
    shift 3
    local deadline=$((SECONDS + secs))
    while ! "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "cluster.sh: error: timed out after ${secs}s waiting for: $what" >&2
            # shellcheck disable=SC2086
            tail_logs $logs
            return 1
        fi
        sleep 0.2
    done
}

# queries -----------------------------------------------------------------
psql_q() { # node sql
    PGCONNECT_TIMEOUT=2 timeout 5 psql -X -q -h 127.0.0.1 -p "$(pg_port "$1")" -U postgres -d "${3:-postgres}" -Atc "$2" 2>/dev/null
}

cluster_json() {
    local n
    for n in "${NODES[@]}"; do
        if timeout 3 curl -sf --max-time 2 "http://127.0.0.1:$(rest_port "$n")/cluster" 2>/dev/null; then
            return 0
        fi
    done
    return 1
}

# Prints the name of the current leader (from the DCS as seen by Patroni).
leader_name() {
    cluster_json | jq -er '[.members[] | select(.role == "leader" and .state == "running")][0].name // empty' 2>/dev/null
}

is_writable() { [ "$(psql_q "$1" 'select pg_is_in_recovery()')" = f ]; }

# leader $1 writable and $2 streaming as synchronous standby
sync_ok() {
    local l=$1 s=$2
    [ "$(leader_name || true)" = "$l" ] || return 1
    is_writable "$l" || return 1
    [ "$(psql_q "$l" "select state||'/'||sync_state from pg_stat_replication where application_name = '$s'")" = streaming/sync ] || return 1
    # Patroni must also have recorded it in the /sync key
    cluster_json | jq -e --arg s "$s" '.members[] | select(.name == $s and .role == "sync_standby")' >/dev/null 2>&1
}

any_sync_ok() {
    local l
    l=$(leader_name) || return 1
    [ -n "$l" ] && sync_ok "$l" "$(other "$l")"
}

has_leader() { [ -n "$(leader_name || true)" ]; }

wangge_ok() { [ "$(psql_q "$(leader_name)" 'select 1' wangge)" = 1 ]; }

node_is_primary() { timeout 3 curl -sf --max-time 2 "http://127.0.0.1:$(rest_port "$1")/primary" >/dev/null 2>&1; }

new_leader_ok() { # $1 = node expected to become leader
    [ "$(leader_name || true)" = "$1" ] && is_writable "$1"
}

# config ------------------------------------------------------------------
write_configs() {
    local bindir=$1 n
    cat > "$DIR/post_bootstrap.sh" <<'EOF'
#!/bin/sh
# Called by Patroni once, on the node that ran initdb; $1 is a connection string.
set -e
psql -X -v ON_ERROR_STOP=1 -d "$1" -c 'CREATE DATABASE wangge OWNER postgres'
EOF
    chmod 755 "$DIR/post_bootstrap.sh"

    for n in "${NODES[@]}"; do
        cat > "$DIR/$n.yml" <<EOF
# Generated by deploy/patroni/cluster.sh -- loopback TEST cluster only.
scope: $SCOPE
namespace: /service/
name: $n

log:
  level: INFO

restapi:
  listen: 127.0.0.1:$(rest_port "$n")
  connect_address: 127.0.0.1:$(rest_port "$n")

etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT

bootstrap:
  dcs:
    # small timeouts so a failover finishes in a few seconds (ttl >= loop_wait + 2*retry_timeout)
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: false
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
        max_connections: 100
        shared_buffers: 32MB
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  post_bootstrap: $DIR/post_bootstrap.sh

postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  connect_address: 127.0.0.1:$(pg_port "$n")
  data_dir: $DIR/$n/data
  bin_dir: $bindir
  pgpass: $DIR/$n/pgpass
  # without "fast", pg_basebackup waits for a spread checkpoint (minutes)
  basebackup:
    - checkpoint: fast
  # TEST ONLY: trust authentication on loopback, no passwords.
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: $DIR/$n
    logging_collector: "off"

tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
    done
    chown "$PG_USER:$PG_USER" "$DIR"/*.yml "$DIR/post_bootstrap.sh"
    chmod 600 "$DIR"/*.yml
}

# daemons -----------------------------------------------------------------
start_bg() { # pidfile logfile command...
    local pidfile=$1 logfile=$2
    shift 2
    rm -f "$pidfile"
    # The inner shell writes its own pid and then execs the daemon, so the pid
    # file names the daemon itself (not runuser).
    setsid runuser -u "$PG_USER" -- sh -c 'pf=$1; lf=$2; shift 2; echo $$ > "$pf"; exec "$@" >>"$lf" 2>&1' \
        sh "$pidfile" "$logfile" "$@" </dev/null >/dev/null 2>&1 &
    local i
    for i in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
    die "could not start $* (no pid file $pidfile)"
}

start_etcd() {
    if running "$DIR/etcd.pid"; then log "etcd already running (pid $(pidfile_pid "$DIR/etcd.pid"))"; return 0; fi
    start_bg "$DIR/etcd.pid" "$DIR/etcd.log" etcd \
        --name etcd1 \
        --data-dir "$DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
        --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
        --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
        --initial-cluster "etcd1=http://127.0.0.1:$ETCD_PEER" \
        --initial-cluster-token "wangge-test-$BASEPORT" \
        --initial-cluster-state new
    wait_for 20 "etcd healthy on 127.0.0.1:$ETCD_CLIENT" "$DIR/etcd.log" \
        sh -c "curl -sf --max-time 1 http://127.0.0.1:$ETCD_CLIENT/health | grep -q '\"health\":\"true\"'"
    log "etcd up (client 127.0.0.1:$ETCD_CLIENT)"
}

start_node() {
    local n=$1
    if running "$DIR/$n.pid"; then log "$n patroni already running (pid $(pidfile_pid "$DIR/$n.pid"))"; return 0; fi
    # a postmaster orphaned by a killed patroni would block the port; stop it first
    stop_orphan_postmaster "$n"
    install -d -o "$PG_USER" -g "$PG_USER" -m 700 "$DIR/$n"
    start_bg "$DIR/$n.pid" "$DIR/$n.log" patroni "$DIR/$n.yml"
    log "$n patroni started (pid $(pidfile_pid "$DIR/$n.pid"), pg 127.0.0.1:$(pg_port "$n"), rest 127.0.0.1:$(rest_port "$n"))"
}

stop_orphan_postmaster() {
    local n=$1 pm
    pm=$(postmaster_pid "$n")
    if pid_alive "$pm" && [ "$(ps -o comm= -p "$pm" 2>/dev/null)" = postgres ]; then
        log "stopping orphaned postmaster of $n (pid $pm)"
        runuser -u "$PG_USER" -- "$(find_bindir)/pg_ctl" -D "$DIR/$n/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || kill -9 "$pm" 2>/dev/null || true
    fi
}

stop_pid() { # pidfile name
    local pf=$1 name=$2 pid
    pid=$(pidfile_pid "$pf")
    if pid_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_for 40 "$name (pid $pid) to exit" "" sh -c "! kill -0 $pid 2>/dev/null"; then
            log "$name did not exit on SIGTERM, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
        log "$name stopped"
    fi
    rm -f "$pf"
}

# commands ----------------------------------------------------------------
cmd_start() {
    need etcd; need patroni; need patronictl; need curl; need jq; need psql; need runuser; need setsid
    id "$PG_USER" >/dev/null 2>&1 || die "OS user '$PG_USER' does not exist"
    [ "$(id -u)" = 0 ] || die "run as root (PostgreSQL is started as '$PG_USER' via runuser)"
    local bindir p
    bindir=$(find_bindir)
    for p in $ETCD_CLIENT $ETCD_PEER $(pg_port node1) $(rest_port node1) $(pg_port node2) $(rest_port node2); do
        if ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && ! running "$DIR/etcd.pid" && ! running "$DIR/node1.pid" && ! running "$DIR/node2.pid"; then
            die "port $p is already in use (choose another BASEPORT)"
        fi
    done
    install -d -o "$PG_USER" -g "$PG_USER" -m 700 "$DIR"
    chown "$PG_USER:$PG_USER" "$DIR"
    write_configs "$bindir"
    start_etcd
    start_node node1
    # let node1 win the initial race so the bootstrap is deterministic
    wait_for "$WAIT_SECS" "node1 to bootstrap and become leader" "$DIR/node1.log $DIR/etcd.log" \
        node_is_primary node1
    start_node node2
    wait_for "$WAIT_SECS" "a leader with a streaming synchronous standby" "$DIR/node1.log $DIR/node2.log" any_sync_ok
    # database wangge is created by post_bootstrap on first init
    wait_for 10 "database wangge" "$DIR/node1.log $DIR/node2.log" \
        wangge_ok
    log "cluster up: leader $(leader_name), synchronous standby $(other "$(leader_name)")"
    cmd_primary
}

cmd_primary() {
    local l
    l=$(leader_name) || true
    [ -n "$l" ] || die "no leader (is the cluster running? try: $0 $DIR $BASEPORT status)"
    echo "$l $(pg_port "$l")"
}

cmd_kill_primary() {
    local l o ppid pm t0 t1
    l=$(leader_name) || true
    [ -n "$l" ] || die "no current leader to kill"
    o=$(other "$l")
    running "$DIR/$o.pid" || die "$o is not running; killing $l would leave no primary"
    ppid=$(pidfile_pid "$DIR/$l.pid")
    pm=$(postmaster_pid "$l")
    t0=$(date +%s.%N)
    log "SIGKILL $l: patroni pid ${ppid:-?}, postmaster pid ${pm:-?}"
    [ -n "$ppid" ] && kill -KILL "$ppid" 2>/dev/null || true
    [ -n "$pm" ] && kill -KILL "$pm" 2>/dev/null || true
    # backends notice postmaster death and exit by themselves
    wait_for "$WAIT_SECS" "$o to become leader and accept writes" "$DIR/$o.log" new_leader_ok "$o"
    t1=$(date +%s.%N)
    log "failover took $(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1-$t0}") s"
    rm -f "$DIR/$l.pid"
    cmd_primary
}

cmd_restart() {
    local n=${1:-}
    case $n in node1|node2) ;; *) usage ;; esac
    running "$DIR/etcd.pid" || die "etcd is not running; use 'start'"
    start_node "$n"
    local l
    wait_for "$WAIT_SECS" "a leader" "$DIR/node1.log $DIR/node2.log" has_leader
    l=$(leader_name)
    [ "$l" != "$n" ] || { log "$n is the leader"; cmd_primary; return 0; }
    wait_for "$WAIT_SECS" "$n to stream as synchronous standby of $l" "$DIR/$n.log" sync_ok "$l" "$n"
    log "$n rejoined as synchronous standby of $l"
}

cmd_status() {
    local n
    for n in "${NODES[@]}"; do
        if [ -f "$DIR/$n.yml" ]; then
            timeout 15 patronictl -c "$DIR/$n.yml" list 2>&1 && return 0
        fi
    done
    die "cannot get status (no config under $DIR, or etcd is down)"
}

cmd_stop() {
    local n
    for n in "${NODES[@]}"; do stop_pid "$DIR/$n.pid" "$n patroni" & done
    wait
    for n in "${NODES[@]}"; do [ -d "$DIR/$n/data" ] && stop_orphan_postmaster "$n"; done
    stop_pid "$DIR/etcd.pid" etcd
    log "stopped"
}

cmd_url() {
    echo "postgres://postgres@127.0.0.1:$(pg_port node1),127.0.0.1:$(pg_port node2)/wangge?target_session_attrs=read-write"
}

case $CMD in
    start) cmd_start ;;
    primary) cmd_primary ;;
    kill-primary) cmd_kill_primary ;;
    restart) cmd_restart "$@" ;;
    status) cmd_status ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    *) usage ;;
esac
