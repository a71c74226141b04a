#!/usr/bin/env bash
# Full load of the sample at scale 1000 (~1M rows) between the two local
# clusters, two ways, in the same run:
#   native:  `dmsflow replicate start` (publication + subscription, copy_data)
#            then `replicate poll --wait-in-sync` until in-sync; the target
#            schema is created first (`dmsflow seed --schema-only`: tables with
#            their keys, indexes and foreign keys, as the pipeline does);
#   dump:    `pg_dump -Fc -n shop | pg_restore` into an empty database (data
#            first, then indexes and constraints, the way pg_restore orders it).
# Prints figures; it never fails on time. Run it through scripts/with-services.sh
# (`make bench-replicate` if the Makefile has the target).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE="${BENCH_REPLICATE_SCALE:-1000}"
ROUNDS="${BENCH_ROUNDS:-1}"
DMSFLOW="${DMSFLOW_BIN:-$ROOT/target/release/dmsflow}"
: "${DMSFLOW_SOURCE_URL:?run through scripts/with-services.sh}"
: "${DMSFLOW_TARGET_URL:?run through scripts/with-services.sh}"
[ -x "$DMSFLOW" ] || { echo "bench-replicate: $DMSFLOW missing: cargo build --release -p dmsflow-cli" >&2; exit 1; }

pgbin() { command -v "$1" 2>/dev/null || ls /usr/lib/postgresql/*/bin/"$1" | tail -1; }
PSQL="$(pgbin psql)" PG_DUMP="$(pgbin pg_dump)" PG_RESTORE="$(pgbin pg_restore)"
src_base="${DMSFLOW_SOURCE_URL%/*}" tgt_base="${DMSFLOW_TARGET_URL%/*}"
admin() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$1/postgres" -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2"; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

export PGOPTIONS="-c client_min_messages=warning"
S="$src_base/bench_repl" T="$tgt_base/bench_repl" D="$tgt_base/bench_dump"
SUB=(--source "$S" --target "$T" --publication bench_pub --subscription bench_sub)
cleanup() { "$DMSFLOW" replicate stop "${SUB[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT

admin "$src_base" bench_repl
t0=$(now)
rows="$("$DMSFLOW" seed --url "$S" --scale "$SCALE" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_rows"])')"
t1=$(now)
size="$("$PSQL" -X -At "$S" -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND c.relkind = 'r'")"
echo "bench-replicate: source seeded with $rows rows ($size with indexes and TOAST) in $(secs "$t0" "$t1") s"

native=() dump=()
for round in $(seq 1 "$ROUNDS"); do
    cleanup
    admin "$tgt_base" bench_repl
    "$DMSFLOW" seed --url "$T" --schema-only >/dev/null
    t0=$(now)
    "$DMSFLOW" replicate start "${SUB[@]}" >/dev/null 2>&1
    "$DMSFLOW" replicate poll "${SUB[@]}" --wait-in-sync 1800 --interval 0.5 >/dev/null 2>/tmp/bench-replicate-poll.log \
        || { tail -5 /tmp/bench-replicate-poll.log >&2; echo "bench-replicate: native replication did not reach in-sync" >&2; exit 1; }
    t1=$(now)
    native+=("$(secs "$t0" "$t1")")
    cleanup

    admin "$tgt_base" bench_dump
    t0=$(now)
    "$PG_DUMP" -Fc -n shop "$S" | "$PG_RESTORE" --no-owner -d "$D"
    t1=$(now)
    dump+=("$(secs "$t0" "$t1")")
    a="$("$PSQL" -X -At "$T" -c 'SELECT count(*) FROM shop.order_items')"
    b="$("$PSQL" -X -At "$D" -c 'SELECT count(*) FROM shop.order_items')"
    echo "round $round: native full load to in-sync ${native[-1]} s; pg_dump -Fc | pg_restore ${dump[-1]} s (order_items rows: $a / $b)"
done
"$PSQL" -X -q "$tgt_base/postgres" -c "DROP DATABASE IF EXISTS bench_dump WITH (FORCE)" -c "DROP DATABASE IF EXISTS bench_repl WITH (FORCE)"
cleanup
"$PSQL" -X -q "$src_base/postgres" -c "DROP DATABASE IF EXISTS bench_repl WITH (FORCE)"
trap - EXIT

python3 - "${native[*]}" "${dump[*]}" "$SCALE" "$rows" <<'PY'
import statistics, sys
native = [float(x) for x in sys.argv[1].split()]
dump = [float(x) for x in sys.argv[2].split()]
n, d = statistics.median(native), statistics.median(dump)
print(f"bench-replicate: scale {sys.argv[3]} ({int(sys.argv[4]):,} rows), median of {len(native)}:")
print(f"bench-replicate:   native logical replication, start -> in-sync: {n:.1f} s")
print(f"bench-replicate:   pg_dump -Fc | pg_restore:                     {d:.1f} s")
print(f"bench-replicate:   ratio native/dump = {n / d:.2f}")
PY
