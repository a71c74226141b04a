# `make demo MODE=cutover`, its second half (sourced by scripts/demo.sh after
# the migrate execution SUCCEEDED, inside the service harness): an
# application writes to the source under its own role (pgbench, a custom
# script of inserts and updates), and a `cutover` execution fences that role,
# drains, validates at rest, syncs sequences and stops replication. It must
# end ready; the write downtime, the rows the application wrote and the rows
# lost (must be 0) are printed. Sets STATUS.

DEMO_APP_ROLE=demo_app
# A throwaway role on throwaway local clusters (never printed).
DEMO_APP_PASSWORD=demo-app-local

# A libpq URL for the source as the application's role.
demo_app_url() {
    python3 - "$DMSFLOW_SOURCE_URL" "$DEMO_APP_ROLE" "$DEMO_APP_PASSWORD" <<'PY'
import sys
from urllib.parse import urlparse, quote
u = urlparse(sys.argv[1])
netloc = f"{quote(sys.argv[2])}:{quote(sys.argv[3])}@{u.hostname}:{u.port}"
print(u._replace(netloc=netloc).geturl())
PY
}

# The role on both clusters with the same grants on both sides (the
# validator compares privileges), able to write the sample tables.
demo_app_role() {
    local url
    for url in "$DMSFLOW_SOURCE_URL" "$DMSFLOW_TARGET_URL"; do
        psql -X -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<SQL
CREATE ROLE $DEMO_APP_ROLE LOGIN PASSWORD '$DEMO_APP_PASSWORD';
GRANT USAGE ON SCHEMA shop TO $DEMO_APP_ROLE;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA shop TO $DEMO_APP_ROLE;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA shop TO $DEMO_APP_ROLE;
SQL
    done
}

# Orders the application wrote, on one side.
demo_app_rows() {
    psql -X -q -At "$1" -c "SELECT count(*) FROM shop.orders WHERE notes = 'written by the demo app'"
}

demo_cutover() {
    say "an application writes to the source under its own role ($DEMO_APP_ROLE, pgbench, 20 transactions/s)"
    demo_app_role
    cat >"$RUN_DIR/demo-app.sql" <<'SQL'
\set pick random(1, 50)
INSERT INTO shop.orders (customer_id, status, ordered_at, total, currency, shipping_address, notes)
SELECT customer_id, 'pending', clock_timestamp(), 0, 'EUR', jsonb_build_object('city', 'Demo'), 'written by the demo app'
FROM shop.customers WHERE customer_id >= :pick ORDER BY customer_id LIMIT 1;
UPDATE shop.orders SET notes = notes WHERE order_id = :pick;
SQL
    # Until the fence terminates its sessions (pgbench then ends with an error: expected).
    pgbench -n -c 2 -R 20 -T 600 -f "$RUN_DIR/demo-app.sql" "$(demo_app_url)" >"$RUN_DIR/demo-app.log" 2>&1 &
    APP_PID=$!
    sleep 3
    kill -0 "$APP_PID" 2>/dev/null || { cat "$RUN_DIR/demo-app.log" >&2; echo "demo: the demo application did not start" >&2; STATUS=2; return; }
    echo "application writing: $(demo_app_rows "$DMSFLOW_SOURCE_URL") orders so far" >&2

    local cut="dmsflow-demo-cutover-$(date -u +%Y%m%dT%H%M%SZ)"
    local input="{\"mode\":\"cutover\",\"cutover\":{\"fence\":\"roles\",\"fence_roles\":[\"$DEMO_APP_ROLE\"],\"drain_timeout_seconds\":120}}"
    say "cutover execution (fence roles $DEMO_APP_ROLE): $cut"
    run_execution "$cut" "$input"
    # The fence ended the application's sessions; if the cut-over failed, end it here.
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=""

    say "cut-over report"
    fetch_report "$cut"
    local written on_target downtime
    written="$(demo_app_rows "$DMSFLOW_SOURCE_URL")"
    on_target="$(demo_app_rows "$DMSFLOW_TARGET_URL")"
    downtime="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["cutover"] or {}; d=r.get("write_downtime_seconds"); print("?" if d is None else f"{d:.2f}")' "$REPORTS_DIR/$cut.json" 2>/dev/null || echo '?')"
    local elapsed
    elapsed="$(python3 -c "import time; print(f'{time.time() - $T0:.1f}')")"
    echo "application rows: $written written on the source, $on_target on the target, $((written - on_target)) lost" >&2
    if [ "$STATUS" = 0 ] && [ "$written" = "$on_target" ]; then
        say "cut-over READY: write downtime $downtime s; $written rows written by the application, 0 lost (${elapsed} s since the services started); report $REPORTS_DIR/$cut.md"
    else
        cp "$RUN_DIR/lambda-watch.log" "$REPORTS_DIR/$cut.functions.log"
        [ "$STATUS" = 0 ] && STATUS=1
        say "cut-over FAILED (exit $STATUS; ${elapsed} s): the report above says why; function logs in $REPORTS_DIR/$cut.functions.log"
    fi
}
