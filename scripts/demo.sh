#!/usr/bin/env bash
# `make demo`: the whole dmsflow job on this machine, with no AWS account.
#
#   two PostgreSQL 15 clusters on loopback (source wal_level=logical, TLS)
#   a moto server with the two Secrets Manager secrets and the report bucket
#   `cargo lambda watch` serving the five real functions
#   the real state machine definition, run by aws-local-stepfunctions, whose
#   Tasks invoke those functions: seed → native logical replication → in-sync
#   → CDC burst → proof → sync sequences → validate every table → report
#
# Options: --scale N (default 1), --mode migrate|validate|cutover, --corrupt
# (change one target row just before validation, to see a difference reported
# and the execution fail). --mode cutover: the migrate run, then, while an
# application writes to the source under its own role, a `cutover` execution
# fencing that role: it must end ready; the write downtime and the rows the
# application wrote (none lost) are printed. Everything is torn down at the
# end, on failure and on Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE=1
MODE=migrate
CORRUPT=0
ARGS=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --mode) MODE="$2"; shift 2 ;;
        --corrupt) CORRUPT=1; shift ;;
        *) echo "usage: $0 [--scale N] [--mode migrate|validate|cutover] [--corrupt]" >&2; exit 2 ;;
    esac
done
case "$MODE" in migrate|validate|cutover) ;; *) echo "demo: MODE must be migrate, validate or cutover" >&2; exit 2 ;; esac
[[ "$SCALE" =~ ^[1-9][0-9]*$ ]] || { echo "demo: SCALE must be a positive integer" >&2; exit 2; }

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

# Outside the service harness: prepare tools, build, then re-enter inside it.
if [ -z "${DMSFLOW_SOURCE_URL:-}" ]; then
    # PostgreSQL 15, moto, cargo-lambda, Node…: silent when all are there.
    "$ROOT/scripts/bootstrap.sh" demo -q
    say "installing the state machine tools (npm ci)"
    make -s -C "$ROOT" statemachine-deps
    say "building the functions and the CLI"
    (cd "$ROOT" && cargo build --bins)
    DEMO_STARTED="$(date +%s.%N)" exec "$ROOT/scripts/with-services.sh" "$0" "${ARGS[@]}"
fi

T0="${DEMO_STARTED:-$(date +%s.%N)}"
DMSFLOW="$ROOT/target/debug/dmsflow"
RUN_DIR="$DMSFLOW_PG_DIR"
REPORTS_DIR="$ROOT/.local/reports"
mkdir -p "$REPORTS_DIR"
WATCH_PID=""
APP_PID=""
stop_watch() {
    # The demo application (cutover mode), if the fence has not ended it.
    if [ -n "$APP_PID" ]; then
        kill "$APP_PID" 2>/dev/null || true
        wait "$APP_PID" 2>/dev/null || true
    fi
    if [ -n "$WATCH_PID" ]; then
        kill "$WATCH_PID" 2>/dev/null || true
        # cargo lambda watch runs each function as a child process.
        pkill -P "$WATCH_PID" 2>/dev/null || true
        wait "$WATCH_PID" 2>/dev/null || true
    fi
}
trap stop_watch EXIT
trap 'stop_watch; exit 130' INT TERM

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
    sm.create_secret(Name=f"dmsflow/demo/{side}", SecretString=json.dumps(secret))
boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="dmsflow-demo-reports")
PY

# The functions' configuration: exactly the variables a deployed function reads.
export SOURCE_SECRET_ARN=dmsflow/demo/source TARGET_SECRET_ARN=dmsflow/demo/target
export DB_SCHEMA=shop DB_SSLMODE=verify-full DB_CA_BUNDLE="$DMSFLOW_PG_CA"
export MIGRATION_ENGINE=native NATIVE_SOURCE_SSLMODE=verify-full NATIVE_SOURCE_SSLROOTCERT="$DMSFLOW_PG_CA"
export IN_SYNC_LAG_SECONDS=5 VALIDATE_SETTLE_SECONDS=2 VALIDATE_RECHECKS=3
export REPORT_BUCKET=dmsflow-demo-reports REPORT_PREFIX=reports/ METRICS_NAMESPACE=dmsflow-demo
# The Distributed Map's work items and item results: the report bucket, as on AWS.
export VALIDATION_BUCKET=dmsflow-demo-reports VALIDATION_PREFIX=validation/
export RUST_LOG="${RUST_LOG:-warn}"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
say "serving the five functions with cargo lambda watch on 127.0.0.1:$PORT"
(cd "$ROOT" && exec cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --ignore-changes --concurrency 4) >"$RUN_DIR/lambda-watch.log" 2>&1 &
WATCH_PID=$!
for _ in $(seq 1 600); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $PORT)))" 2>/dev/null; then
        break
    fi
    kill -0 "$WATCH_PID" 2>/dev/null || { tail -30 "$RUN_DIR/lambda-watch.log" >&2; echo "demo: cargo lambda watch exited" >&2; exit 2; }
    sleep 0.1
done

INPUT=""
if [ "$MODE" = migrate ] || [ "$MODE" = cutover ]; then
    INPUT="{\"mode\":\"migrate\",\"seed\":{\"scale\":$SCALE},\"cdc_proof\":{\"count\":100,\"seed\":7},\"poll_interval_seconds\":1,\"max_polls\":600}"
else
    say "validate mode: loading the same sample into source and target"
    "$DMSFLOW" seed --url "$DMSFLOW_SOURCE_URL" --scale "$SCALE" >/dev/null
    "$DMSFLOW" seed --url "$DMSFLOW_TARGET_URL" --scale "$SCALE" >/dev/null
    INPUT='{"mode":"validate"}'
fi
HOOK=()
if [ "$CORRUPT" = 1 ]; then
    # What a broken migration leaves behind: one order's notes differ on the target.
    # The hook must change exactly one row, or the run would prove nothing.
    cat >"$RUN_DIR/corrupt.sh" <<EOF
changed="\$(psql -X -q -At '$DMSFLOW_TARGET_URL' -c "WITH u AS (UPDATE shop.orders SET notes = 'changed on the target only' WHERE order_id = 42 RETURNING 1) SELECT count(*) FROM u")"
[ "\$changed" = 1 ] || { echo "demo --corrupt: order 42 is not on the target (\$changed rows changed)" >&2; exit 1; }
EOF
    HOOK=(--before-validate "bash '$RUN_DIR/corrupt.sh'")
fi

# One execution of the state machine: run_execution NAME INPUT [runner options…]
# sets STATUS; fetch_report NAME [quiet] copies its report from moto and
# prints the Markdown (quiet: only where it is).
run_execution() {
    local name="$1" input="$2"
    shift 2
    set +e
    node "$ROOT/statemachine/run-local.mjs" \
        --port "$PORT" --name "$name" --input "$input" --poll-interval-override-ms 500 \
        --output "$RUN_DIR/$name.json" "$@"
    STATUS=$?
    set -e
}
fetch_report() {
    python3 - "$1" "$REPORTS_DIR" "${2:-}" <<'PY' || true
import os, sys
import boto3
execution, out_dir, quiet = sys.argv[1], sys.argv[2], sys.argv[3] == "quiet"
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for ext in ("md", "json"):
    key = f"reports/{execution}.{ext}"
    try:
        body = s3.get_object(Bucket="dmsflow-demo-reports", Key=key)["Body"].read()
    except Exception as e:  # the report may be missing if the run broke early
        print(f"(no {key}: {e})")
        continue
    path = os.path.join(out_dir, f"{execution}.{ext}")
    with open(path, "wb") as f:
        f.write(body)
    if ext == "md":
        if not quiet:
            print(body.decode())
        print(f"report: {path} (and s3://dmsflow-demo-reports/{key} in moto)")
    else:
        print(f"JSON:   {path}")
PY
}

EXECUTION="dmsflow-demo-$(date -u +%Y%m%dT%H%M%SZ)"
say "running the state machine ($( [ "$MODE" = validate ] && echo validate || echo migrate ), scale $SCALE): $EXECUTION"
run_execution "$EXECUTION" "$INPUT" "${HOOK[@]}"

if [ "$MODE" = cutover ] && [ "$STATUS" = 0 ]; then
    say "migrate report"
    fetch_report "$EXECUTION" quiet
    # shellcheck source=scripts/demo-cutover.sh
    source "$ROOT/scripts/demo-cutover.sh"
    demo_cutover
    exit "$STATUS"
fi

say "report"
fetch_report "$EXECUTION"
ELAPSED="$(python3 -c "import time; print(f'{time.time() - $T0:.1f}')")"
if [ "$STATUS" = 0 ]; then
    say "execution SUCCEEDED: the target is identical (${ELAPSED} s since the services started)"
else
    cp "$RUN_DIR/lambda-watch.log" "$REPORTS_DIR/$EXECUTION.functions.log"
    say "execution FAILED (exit $STATUS; ${ELAPSED} s): the report above says why; function logs in $REPORTS_DIR/$EXECUTION.functions.log"
fi
exit "$STATUS"
