#!/usr/bin/env bash
# Run a command next to throwaway services, and always tear them down:
#   - two PostgreSQL 15 clusters on loopback (source with wal_level=logical),
#   - a moto server (AWS API emulator) on loopback for Secrets Manager and S3.
# Exports DMSFLOW_SOURCE_URL, DMSFLOW_TARGET_URL, DMSFLOW_PG_CA, DMSFLOW_PG_DIR,
# AWS_ENDPOINT_URL and dummy AWS credentials for the command.
#
#   scripts/with-services.sh cargo test
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The PostgreSQL tools (pg_ctl below; pgbench, pg_dump for the command) are
# often only in their own directory, not on PATH.
for pg_bin in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$pg_bin/pg_ctl" ] || continue
    case ":$PATH:" in *":$pg_bin:"*) ;; *) export PATH="$PATH:$pg_bin" ;; esac
    break
done

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

export PG_LOCAL_DIR="${PG_LOCAL_DIR:-$ROOT/.local/run-$$}"
export PG_SOURCE_PORT="${PG_SOURCE_PORT:-$(free_port)}"
export PG_TARGET_PORT="${PG_TARGET_PORT:-$(free_port)}"
MOTO_PORT="${MOTO_PORT:-$(free_port)}"
MOTO_PID=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null || true
    "$ROOT/scripts/pg-local.sh" down >/dev/null 2>&1 || true
    # Extra clusters a test started under the same directory.
    if [ -d "$PG_LOCAL_DIR" ]; then
        for data in "$PG_LOCAL_DIR"/*/; do
            [ -f "$data/postmaster.pid" ] || continue
            if [ "$(id -u)" = 0 ]; then
                runuser -u "${PG_LOCAL_USER:-postgres}" -- pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1 || true
            else
                pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1 || true
            fi
        done
        rm -rf "$PG_LOCAL_DIR"
    fi
    exit "$status"
}
trap cleanup EXIT INT TERM

"$ROOT/scripts/pg-local.sh" up

python3 -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >"$PG_LOCAL_DIR/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/')" 2>/dev/null; then
        break
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || { cat "$PG_LOCAL_DIR/moto.log" >&2; echo "moto server failed to start" >&2; exit 1; }
    sleep 0.1
done

eval "$("$ROOT/scripts/pg-local.sh" env)"
export DMSFLOW_PG_DIR="$PG_LOCAL_DIR"
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_SESSION_TOKEN=test
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}"
export AWS_EC2_METADATA_DISABLED=true

"$@"
