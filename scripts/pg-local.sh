#!/usr/bin/env bash
# Throwaway PostgreSQL clusters on loopback, from the server binaries on PATH.
# No Docker. Works as root: the server refuses root, so we drop to the
# `postgres` user (or $PG_LOCAL_USER) with runuser.
#
#   scripts/pg-local.sh up                 # source (wal_level=logical) + target
#   scripts/pg-local.sh down               # stop both and delete their data
#   scripts/pg-local.sh env                # print the connection URLs as exports
#   scripts/pg-local.sh start NAME PORT [logical]   # one extra cluster
#   scripts/pg-local.sh stop NAME                   # stop it and delete its data
#
# Clusters live under $PG_LOCAL_DIR (default .local/pg). Both have TLS on with a
# certificate from a throwaway local CA ($PG_LOCAL_DIR/ca.crt) so the verify-full
# path is exercised for real; password auth (scram) so wrong credentials fail.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_LOCAL_DIR="${PG_LOCAL_DIR:-$ROOT/.local/pg}"
SOURCE_PORT="${PG_SOURCE_PORT:-55432}"
TARGET_PORT="${PG_TARGET_PORT:-55433}"
PG_PASSWORD="${PG_LOCAL_PASSWORD:-dmsflow-local}"
PG_USER_OS="${PG_LOCAL_USER:-postgres}"

die() { echo "pg-local: $*" >&2; exit 1; }

find_bin() {
    local name="$1"
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$name"; do
        [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
    die "$name not found: install the PostgreSQL 15 server binaries"
}

INITDB="$(find_bin initdb)"
PG_CTL="$(find_bin pg_ctl)"
PSQL="$(find_bin psql)"

# Run a command as the unprivileged server user when we are root.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_USER_OS" -- "$@"
    else
        "$@"
    fi
}

ensure_dir() {
    mkdir -p "$PG_LOCAL_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_USER_OS" "$PG_LOCAL_DIR"
        # The server user must be able to reach the directory through its parents.
        local d="$PG_LOCAL_DIR"
        while [ "$d" != "/" ]; do
            d="$(dirname "$d")"
            [ -x "$d" ] || chmod o+x "$d"
        done
    fi
}

make_certs() {
    [ -f "$PG_LOCAL_DIR/ca.crt" ] && return
    local tmp
    tmp="$(mktemp -d)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=dmsflow local CA" \
        -keyout "$tmp/ca.key" -out "$tmp/ca.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$tmp/server.key" -out "$tmp/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$tmp/ext.cnf"
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
        -CAcreateserial -days 30 -extfile "$tmp/ext.cnf" -out "$tmp/server.crt" >/dev/null 2>&1
    cp "$tmp/ca.crt" "$tmp/server.crt" "$tmp/server.key" "$PG_LOCAL_DIR/"
    chmod 600 "$PG_LOCAL_DIR/server.key"
    [ "$(id -u)" = 0 ] && chown "$PG_USER_OS" "$PG_LOCAL_DIR/server.key" "$PG_LOCAL_DIR/server.crt"
    rm -rf "$tmp"
}

start_cluster() {
    local name="$1" port="$2" logical="${3:-}"
    local data="$PG_LOCAL_DIR/$name"
    local wal_level=replica
    [ -n "$logical" ] && wal_level=logical
    ensure_dir
    make_certs
    if [ -f "$data/postmaster.pid" ] && as_pg "$PG_CTL" -D "$data" status >/dev/null 2>&1; then
        echo "pg-local: $name already running on port $port"
        return
    fi
    rm -rf "$data"
    local pwfile
    pwfile="$(mktemp)"
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    chmod 644 "$pwfile"
    as_pg "$INITDB" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_LOCAL_DIR/$name.initdb.log" 2>&1 \
        || { rm -f "$pwfile"; cat "$PG_LOCAL_DIR/$name.initdb.log" >&2; die "initdb failed for $name"; }
    rm -f "$pwfile"
    cp "$PG_LOCAL_DIR/server.crt" "$PG_LOCAL_DIR/server.key" "$data/"
    [ "$(id -u)" = 0 ] && chown "$PG_USER_OS" "$data/server.crt" "$data/server.key"
    cat >>"$data/postgresql.conf" <<EOF
# dmsflow throwaway cluster: loopback only; durability off (it is deleted after use).
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 256MB
max_wal_size = 4GB
wal_level = $wal_level
max_replication_slots = 20
max_wal_senders = 20
max_logical_replication_workers = 8
max_sync_workers_per_subscription = 4
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    as_pg "$PG_CTL" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null \
        || { tail -20 "$data/server.log" >&2; die "could not start $name"; }
    PGPASSWORD="$PG_PASSWORD" "$PSQL" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE dmsflow" >/dev/null
    echo "pg-local: $name up on 127.0.0.1:$port${logical:+ (wal_level=logical)}"
}

stop_cluster() {
    local name="$1"
    local data="$PG_LOCAL_DIR/$name"
    if [ -d "$data" ]; then
        as_pg "$PG_CTL" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$data" "$PG_LOCAL_DIR/$name.initdb.log"
        echo "pg-local: $name stopped and removed"
    fi
}

print_env() {
    echo "export DMSFLOW_SOURCE_URL='postgres://postgres:$PG_PASSWORD@127.0.0.1:$SOURCE_PORT/dmsflow'"
    echo "export DMSFLOW_TARGET_URL='postgres://postgres:$PG_PASSWORD@127.0.0.1:$TARGET_PORT/dmsflow'"
    echo "export DMSFLOW_PG_CA='$PG_LOCAL_DIR/ca.crt'"
}

case "${1:-}" in
    up)
        start_cluster source "$SOURCE_PORT" logical
        start_cluster target "$TARGET_PORT"
        ;;
    down)
        stop_cluster source
        stop_cluster target
        ;;
    env) print_env ;;
    start)
        [ $# -ge 3 ] || die "usage: $0 start NAME PORT [logical]"
        start_cluster "$2" "$3" "${4:+logical}"
        ;;
    stop)
        [ $# -ge 2 ] || die "usage: $0 stop NAME"
        stop_cluster "$2"
        ;;
    *) die "usage: $0 up|down|env|start NAME PORT [logical]|stop NAME" ;;
esac
