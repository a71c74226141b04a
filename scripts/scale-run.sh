#!/usr/bin/env bash
# `make scale-run`: the real state machine (validate mode) over a database the
# size of a real legacy one, on this machine — issue 14 item 3.
#
#   SCALE_TABLES small tables (default 2000; 10–200 rows, keyed and key-less,
#   over 8 schemas) plus billing.ledger_entries with SCALE_BIG_ROWS rows
#   (default 20,000,000), built the same way on source and target
#   (scripts/scale-run.sql), then three known differences on the target:
#   one changed row in the big table, one deleted row in a small table, one
#   extra row in another. The state machine runs as in `scripts/demo.sh
#   --mode validate` (cargo lambda watch + statemachine/run-local.mjs); the
#   script checks the report: every table compared, the three differences
#   found by key, nothing else. It prints wall time, rows compared, rows/s,
#   the number of children (Map items) and the largest state payload.
#
#   SCALE_CLI_WORKERS="1 2" (default; empty to skip): before the differences
#   are injected, `dmsflow validate` on the big table alone with each number
#   of workers, with the CPU seconds the PostgreSQL backends of each side used
#   (rows/s per database core; the figures of docs/scale.md).
#   SCALE_CONCURRENCY (default 4): the Map's validation_concurrency.
#
# Children and the largest state payload come from the runner's --output
# (output.stats.childExecutions, output.stats.largestStatePayloadBytes) when
# it reports them, else from a recording proxy between the runner and the
# functions. Time on a 2-vCPU box: ~1 min for SCALE_TABLES=40
# SCALE_BIG_ROWS=100000, ~25 min for the default with SCALE_CLI_WORKERS=
# (each item reads every selected schema's catalog; docs/scale.md).
#
# Pieces copied from scripts/demo.sh (not shared, to leave demo.sh alone): the
# moto secrets and bucket, the functions' environment, cargo lambda watch.
# The check and the figures: scripts/scale-run.check.py; what they mean at
# a billion rows: docs/scale.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE_TABLES="${SCALE_TABLES:-2000}"
SCALE_BIG_ROWS="${SCALE_BIG_ROWS:-20000000}"
SCALE_CLI_WORKERS="${SCALE_CLI_WORKERS-1 2}"
SCALE_CONCURRENCY="${SCALE_CONCURRENCY:-4}"
for v in SCALE_TABLES SCALE_BIG_ROWS SCALE_CONCURRENCY; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "scale-run: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
[ "$SCALE_BIG_ROWS" -ge 1000 ] || { echo "scale-run: SCALE_BIG_ROWS must be at least 1000" >&2; exit 2; }
[[ "$SCALE_CLI_WORKERS" =~ ^[0-9\ ]*$ ]] || { echo "scale-run: SCALE_CLI_WORKERS: numbers separated by spaces" >&2; exit 2; }
SCHEMAS=billing,sales,inventory,hr,crm,audit,ops,legacy
BIG=billing.ledger_entries

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

# Outside the service harness: prepare tools, build, then re-enter inside it.
if [ -z "${DMSFLOW_SOURCE_URL:-}" ]; then
    "$ROOT/scripts/bootstrap.sh" demo -q
    make -s -C "$ROOT" statemachine-deps
    say "building the functions and the CLI"
    (cd "$ROOT" && cargo build --bins)
    SCALE_STARTED="$(date +%s.%N)" exec "$ROOT/scripts/with-services.sh" "$0"
fi

T0="${SCALE_STARTED:-$(date +%s.%N)}"
DMSFLOW="$ROOT/target/debug/dmsflow"
RUN_DIR="$DMSFLOW_PG_DIR"
REPORTS_DIR="$ROOT/.local/reports"
mkdir -p "$REPORTS_DIR"
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

WATCH_PID="" PROXY_PID="" SAMPLER_PID=""
stop_children() {
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    if [ -n "$WATCH_PID" ]; then
        kill "$WATCH_PID" 2>/dev/null || true
        # cargo lambda watch runs each function as a child process.
        pkill -P "$WATCH_PID" 2>/dev/null || true
        wait "$WATCH_PID" 2>/dev/null || true
    fi
}
trap stop_children EXIT
trap 'stop_children; exit 130' INT TERM

# ------------------------------------------------------------------ the data
say "building $SCALE_TABLES small tables + $BIG ($SCALE_BIG_ROWS rows) on source and target (in parallel)"
T_LOAD="$(now)"
for side in SOURCE TARGET; do
    url_var="DMSFLOW_${side}_URL"
    sql "${!url_var}" -v tables="$SCALE_TABLES" -v big_rows="$SCALE_BIG_ROWS" -v schemas="$SCHEMAS" \
        -f "$ROOT/scripts/scale-run.sql" >"$RUN_DIR/load-$side.log" 2>&1 &
    eval "LOAD_$side=$!"
done
wait "$LOAD_SOURCE" || { cat "$RUN_DIR/load-SOURCE.log" >&2; echo "scale-run: loading the source failed" >&2; exit 2; }
wait "$LOAD_TARGET" || { cat "$RUN_DIR/load-TARGET.log" >&2; echo "scale-run: loading the target failed" >&2; exit 2; }
LOAD_SECONDS="$(since "$T_LOAD")"
COUNT_TABLES="SELECT count(*) FROM pg_tables WHERE schemaname = ANY (string_to_array('$SCHEMAS', ','))"
for side in SOURCE TARGET; do
    url_var="DMSFLOW_${side}_URL"
    n="$(sql "${!url_var}" -c "$COUNT_TABLES")"
    [ "$n" = "$((SCALE_TABLES + 1))" ] || { echo "scale-run: $side has $n tables, expected $((SCALE_TABLES + 1))" >&2; exit 2; }
done
echo "loaded in ${LOAD_SECONDS} s; $(sql "$DMSFLOW_SOURCE_URL" -c "SELECT pg_size_pretty(pg_database_size(current_database()))") per side" >&2

# ------------------------------------------- the CLI on the big table alone
# CPU seconds of a cluster: its postmaster's own and those of its exited
# children (every backend is one; /proc/PID/stat fields 14-17, in ticks).
cluster_cpu() {
    local pid
    pid="$(head -1 "$RUN_DIR/$1/postmaster.pid")"
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' "/proc/$pid/stat"
}
: >"$RUN_DIR/cli.jsonl"
for workers in $SCALE_CLI_WORKERS; do
    say "dmsflow validate --tables $BIG --workers $workers --at-rest (the big table alone, identical)"
    cpu_s0="$(cluster_cpu source)" cpu_t0="$(cluster_cpu target)" t_cli="$(now)"
    set +e
    "$DMSFLOW" validate --source "$DMSFLOW_SOURCE_URL" --target "$DMSFLOW_TARGET_URL" --ca-bundle "$DMSFLOW_PG_CA" \
        --tables "$BIG" --workers "$workers" --at-rest --quiet --json "$RUN_DIR/cli-$workers.json" >/dev/null
    rc=$?
    set -e
    wall="$(since "$t_cli")"
    sleep 1 # the backends have exited and been reaped by their postmaster
    [ "$rc" = 0 ] || { echo "scale-run: dmsflow validate exited $rc on identical data" >&2; exit 2; }
    python3 - "$RUN_DIR/cli-$workers.json" "$workers" "$wall" "$cpu_s0" "$(cluster_cpu source)" "$cpu_t0" "$(cluster_cpu target)" >>"$RUN_DIR/cli.jsonl" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
workers, wall = int(sys.argv[2]), float(sys.argv[3])
cpu_source = float(sys.argv[5]) - float(sys.argv[4])
cpu_target = float(sys.argv[7]) - float(sys.argv[6])
rows = doc["tables"]["rows_compared"]
print(json.dumps({"workers": workers, "rows": rows, "wall_seconds": wall, "rows_per_second": round(rows / wall),
                  "validate_seconds": round(doc["tables"]["seconds"], 2),
                  "source_cpu_seconds": round(cpu_source, 2), "target_cpu_seconds": round(cpu_target, 2),
                  "rows_per_cpu_second_source": round(rows / cpu_source) if cpu_source else None,
                  "rows_per_cpu_second_target": round(rows / cpu_target) if cpu_target else None}))
PY
    tail -1 "$RUN_DIR/cli.jsonl" >&2
done

# ------------------------------------------------------ the known differences
say "injecting three differences on the target"
BIG_KEY=$((SCALE_BIG_ROWS / 2 + 17))
# Small table i lives in schema i % 8 of SCHEMAS with shape i % 5 (scale-run.sql): 0 int key, 3 bigint key.
DEL_TABLE=billing.ref_0000 DEL_KEY=5
EXTRA_TABLE=hr.item_0003 EXTRA_KEY=1000000009999
inject() {
    local what="$1" statement="$2" changed
    changed="$(sql "$DMSFLOW_TARGET_URL" -c "WITH c AS ($statement RETURNING 1) SELECT count(*) FROM c")"
    [ "$changed" = 1 ] || { echo "scale-run: $what changed $changed rows, not 1" >&2; exit 2; }
    echo "  $what" >&2
}
inject "$BIG id $BIG_KEY: amount + 0.01" "UPDATE $BIG SET amount = amount + 0.01 WHERE id = $BIG_KEY"
inject "$DEL_TABLE id $DEL_KEY deleted" "DELETE FROM $DEL_TABLE WHERE id = $DEL_KEY"
inject "$EXTRA_TABLE id $EXTRA_KEY added" "INSERT INTO $EXTRA_TABLE VALUES ($EXTRA_KEY, 'only on the target', 1.5, now(), '{}', 1)"

# ---------------------------------------------- the functions (from demo.sh)
say "creating the Secrets Manager secrets and the report bucket in moto"
python3 - <<'PY'
import json, os
from urllib.parse import urlparse
import boto3
endpoint = os.environ["AWS_ENDPOINT_URL"]
sm = boto3.client("secretsmanager", endpoint_url=endpoint)
for side in ("source", "target"):
    u = urlparse(os.environ[f"DMSFLOW_{side.upper()}_URL"])
    secret = {"username": u.username, "password": u.password, "host": u.hostname, "port": u.port, "dbname": u.path.lstrip("/")}
    sm.create_secret(Name=f"dmsflow/scale/{side}", SecretString=json.dumps(secret))
boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="dmsflow-scale-reports")
PY

export SOURCE_SECRET_ARN=dmsflow/scale/source TARGET_SECRET_ARN=dmsflow/scale/target
export DB_SCHEMA="$SCHEMAS" DB_SSLMODE=verify-full DB_CA_BUNDLE="$DMSFLOW_PG_CA"
export MIGRATION_ENGINE=native VALIDATE_SETTLE_SECONDS=2 VALIDATE_RECHECKS=3
export REPORT_BUCKET=dmsflow-scale-reports REPORT_PREFIX=reports/ METRICS_NAMESPACE=dmsflow-scale
# The Distributed Map's work items and item results (validate-tables, report).
export VALIDATION_BUCKET=dmsflow-scale-reports VALIDATION_PREFIX=validation/
export RUST_LOG="${RUST_LOG:-warn}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
PORT="$(free_port)"
say "serving the functions with cargo lambda watch on 127.0.0.1:$PORT"
(cd "$ROOT" && exec cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --ignore-changes --concurrency "$SCALE_CONCURRENCY") >"$RUN_DIR/lambda-watch.log" 2>&1 &
WATCH_PID=$!
wait_port() {
    for _ in $(seq 1 600); do
        python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $1)))" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || { tail -30 "$3" >&2; echo "scale-run: $4 exited" >&2; exit 2; }
        sleep 0.1
    done
    echo "scale-run: $4 did not listen on $1" >&2; exit 2
}
wait_port "$PORT" "$WATCH_PID" "$RUN_DIR/lambda-watch.log" "cargo lambda watch"

# A recording proxy between the runner and the functions: every invocation's
# function, action and exact response document, to count the children and
# rebuild the state the inline Map holds (the runner does not report it yet).
PROXY_PORT="$(free_port)"
python3 - "$PROXY_PORT" "$PORT" "$RUN_DIR/invocations.jsonl" >"$RUN_DIR/proxy.log" 2>&1 <<'PY' &
import http.client, http.server, json, sys, threading, time
listen, upstream, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
log = open(log_path, "w")
class Proxy(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        started = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=3600)
        try:
            conn.request("POST", self.path, body, {"content-type": "application/json"})
            res = conn.getresponse()
            data, status, headers = res.read(), res.status, res.getheaders()
        except OSError as e:
            self.send_error(502, str(e))
            return
        finally:
            conn.close()
        try:
            action = json.loads(body or b"{}").get("action")
        except ValueError:
            action = None
        record = {"fn": self.path.split("/")[3], "action": action, "status": status,
                  "request_bytes": len(body), "response_bytes": len(data), "seconds": round(time.time() - started, 3)}
        if status == 200 and record["fn"] == "validate-tables":
            record["response"] = json.loads(data)
        with lock:
            log.write(json.dumps(record, separators=(",", ":")) + "\n")
            log.flush()
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
http.server.ThreadingHTTPServer(("127.0.0.1", listen), Proxy).serve_forever()
PY
PROXY_PID=$!
wait_port "$PROXY_PORT" "$PROXY_PID" "$RUN_DIR/proxy.log" "the recording proxy"

# Client connections on each side, once a second, while the execution runs
# (the sampler's own connection not counted): what max_connections must allow.
CONNECTIONS="SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'"
(while :; do
    echo "$(sql "$DMSFLOW_SOURCE_URL" -c "$CONNECTIONS" 2>/dev/null || echo 0) $(sql "$DMSFLOW_TARGET_URL" -c "$CONNECTIONS" 2>/dev/null || echo 0)"
    sleep 1
done) >"$RUN_DIR/connections.txt" &
SAMPLER_PID=$!

# ------------------------------------------------------- the state machine
EXECUTION="dmsflow-scale-$(date -u +%Y%m%dT%H%M%SZ)"
INPUT="{\"mode\":\"validate\",\"validation_concurrency\":$SCALE_CONCURRENCY}"
say "running the state machine (validate, $((SCALE_TABLES + 1)) tables): $EXECUTION"
T_RUN="$(now)"
set +e
node "$ROOT/statemachine/run-local.mjs" --port "$PROXY_PORT" --name "$EXECUTION" --input "$INPUT" \
    --poll-interval-override-ms 500 --quiet --events "$RUN_DIR/events.jsonl" --output "$RUN_DIR/execution.json"
STATUS=$?
set -e
RUN_SECONDS="$(since "$T_RUN")"
cp "$RUN_DIR/execution.json" "$REPORTS_DIR/$EXECUTION.execution.json" 2>/dev/null || true
cp "$RUN_DIR/lambda-watch.log" "$REPORTS_DIR/$EXECUTION.functions.log"

say "checking the report"
export SCALE_TABLES SCALE_BIG_ROWS SCALE_CONCURRENCY BIG BIG_KEY DEL_TABLE DEL_KEY EXTRA_TABLE EXTRA_KEY
export EXECUTION STATUS RUN_SECONDS LOAD_SECONDS RUN_DIR REPORTS_DIR
export TOTAL_SECONDS="$(since "$T0")" LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
# Not exec: the EXIT trap must still stop cargo lambda watch and the proxy.
python3 "$ROOT/scripts/scale-run.check.py"
