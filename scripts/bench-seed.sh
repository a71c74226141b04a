#!/usr/bin/env bash
# Seed throughput: `dmsflow seed --scale 1000` (~1M rich rows, binary COPY, one
# transaction incl. keys, indexes, FKs) beside `pgbench -i -s 10` (1M narrow
# rows, COPY, vacuum, primary keys) on the same cluster, in the same run.
# Prints figures; it never fails on time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE="${BENCH_SEED_SCALE:-1000}"
PGBENCH_SCALE="${BENCH_PGBENCH_SCALE:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
DMSFLOW="${DMSFLOW_BIN:-$ROOT/target/release/dmsflow}"
: "${DMSFLOW_SOURCE_URL:?run through scripts/with-services.sh}"

PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | head -1)"
base="${DMSFLOW_SOURCE_URL%/*}"
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$base/postgres" "$@"; }
now() { date +%s.%N; }

ours=() theirs=()
for round in $(seq 1 "$ROUNDS"); do
    psql_admin -c "DROP DATABASE IF EXISTS bench_seed" -c "CREATE DATABASE bench_seed"
    t0=$(now)
    out="$("$DMSFLOW" seed --url "$base/bench_seed" --scale "$SCALE" 2>/dev/null)"
    t1=$(now)
    rows=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['total_rows'])" "$out")
    ours+=("$(python3 -c "print($rows / ($t1 - $t0))")")

    psql_admin -c "DROP DATABASE IF EXISTS bench_pgbench" -c "CREATE DATABASE bench_pgbench"
    t0=$(now)
    "$PGBENCH" -i -q -s "$PGBENCH_SCALE" "$base/bench_pgbench" >/dev/null 2>&1
    t1=$(now)
    pgrows=$((PGBENCH_SCALE * 100000 + PGBENCH_SCALE * 10 + PGBENCH_SCALE))
    theirs+=("$(python3 -c "print($pgrows / ($t1 - $t0))")")
    echo "round $round: dmsflow $rows rows at ${ours[-1]%.*} rows/s; pgbench -i $pgrows rows at ${theirs[-1]%.*} rows/s"
done
psql_admin -c "DROP DATABASE IF EXISTS bench_seed" -c "DROP DATABASE IF EXISTS bench_pgbench"

python3 - "${ours[*]}" "${theirs[*]}" "$SCALE" "$PGBENCH_SCALE" <<'PY'
import statistics, sys
ours = [float(x) for x in sys.argv[1].split()]
theirs = [float(x) for x in sys.argv[2].split()]
o, t = statistics.median(ours), statistics.median(theirs)
print(f"bench-seed: dmsflow seed --scale {sys.argv[3]}: {o:,.0f} rows/s (median of {len(ours)})")
print(f"bench-seed: pgbench -i -s {sys.argv[4]}:        {t:,.0f} rows/s (median of {len(theirs)})")
print(f"bench-seed: ratio dmsflow/pgbench = {o / t:.2f} (target >= 0.70)")
PY
