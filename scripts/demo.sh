#!/usr/bin/env bash
# `make demo`: dmsflow locally, with no AWS account. Starts two throwaway
# PostgreSQL clusters, seeds the source with the sample shop, prepares the
# target schema, and shows what was loaded. Everything is torn down at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE=1
MODE=migrate
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --mode) MODE="$2"; shift 2 ;;
        *) echo "usage: $0 [--scale N] [--mode migrate|validate]" >&2; exit 2 ;;
    esac
done

if [ -z "${DMSFLOW_SOURCE_URL:-}" ]; then
    exec "$ROOT/scripts/with-services.sh" "$0" --scale "$SCALE" --mode "$MODE"
fi

DMSFLOW="${DMSFLOW_BIN:-$ROOT/target/debug/dmsflow}"
echo "==> seeding the source at scale $SCALE"
"$DMSFLOW" seed --url "$DMSFLOW_SOURCE_URL" --scale "$SCALE" >/dev/null
echo "==> creating the sample schema on the target"
"$DMSFLOW" seed --url "$DMSFLOW_TARGET_URL" --schema-only >/dev/null
echo "==> source row counts"
psql -X -q "$DMSFLOW_SOURCE_URL" -c "SELECT relname AS table, n_live_tup AS rows FROM pg_stat_user_tables WHERE schemaname = 'shop' ORDER BY relname"
