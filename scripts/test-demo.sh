#!/usr/bin/env bash
# The demo as a test: a clean run must end SUCCEEDED with all six tables
# identical and the CDC proof passed; a run with one corrupted target row must
# report that row and end FAILED.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPORTS="$ROOT/.local/reports"
fail() { echo "test-demo: FAIL: $*" >&2; exit 1; }
latest_report() { ls -t "$REPORTS"/dmsflow-demo-*.md | head -1; }

echo "test-demo: clean run"
"$ROOT/scripts/demo.sh" --scale 1 >/tmp/dmsflow-demo-clean.log 2>&1 || { tail -40 /tmp/dmsflow-demo-clean.log; fail "clean demo exited non-zero"; }
report="$(latest_report)"
grep -q "Verdict: ✅ IDENTICAL" "$report" || fail "clean run not identical: $report"
[ "$(grep -cE '^\| [a-z_]+ \| identical \|' "$report")" = 6 ] || fail "not six identical tables: $report"
grep -q "every changed key on the target\*\*: ok" "$report" || fail "no CDC proof: $report"
grep -q "Engine \`native\` · phase \`in-sync\`" "$report" || fail "migration not in sync: $report"

echo "test-demo: run with a corrupted target row"
set +e
"$ROOT/scripts/demo.sh" --scale 1 --corrupt >/tmp/dmsflow-demo-corrupt.log 2>&1
status=$?
set -e
[ "$status" = 1 ] || { tail -40 /tmp/dmsflow-demo-corrupt.log; fail "corrupted run must end FAILED (exit 1), got $status"; }
report="$(latest_report)"
grep -q "Verdict: ❌ DIFFERENT" "$report" || fail "corrupted run not reported different: $report"
grep -q "| 42 | changed | notes |" "$report" || fail "the corrupted row is not named: $report"
echo "test-demo: ok"
