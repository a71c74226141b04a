#!/usr/bin/env bash
# Regenerate the README configuration table from functions/dmsflow/src/config.rs
# (ENV_VARS). A unit test fails when the two disagree; this makes them agree.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(cargo test -q -p dmsflow --lib readme_table_matches_the_code 2>&1 || true)"
python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
if "replace it with:" not in out:
    print("README table already up to date")
    sys.exit(0)
lines = [l for l in out.split("replace it with:", 1)[1].splitlines() if l.startswith("|")]
table = "\n".join(lines) + "\n"
readme = open("README.md").read()
begin = readme.index("<!-- env-table:begin")
begin = readme.index("\n", begin) + 1
end = readme.index("<!-- env-table:end -->")
open("README.md", "w").write(readme[:begin] + table + readme[end:])
print(f"README table updated ({len(lines) - 2} variables)")
PY
