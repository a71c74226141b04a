#!/usr/bin/env python3
"""make bench-validate: dmsflow validate beside the anchors, same tables, same run.

Two local clusters hold an identical order_items-like table (bigint key, four
ints, two numeric, two timestamptz, two text, jsonb; 5M rows by default). Prints:
  (a) dmsflow validate wall time (release build, both sides, all checks);
  (b) the reladiff/data-diff segment checksum query, both sides concurrently;
  (c) a raw scan reading every column without text conversion, both sides;
  (d) dmsflow validate after 10 scattered differences (updates, deletes,
      inserts): the keys it reports, and its time against (a);
  and the validator's peak RSS, also with 100k-row chunks localised row by row.
Figures only: nothing here passes or fails on time.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROWS = int(os.environ.get("BENCH_VALIDATE_ROWS", "5000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DMSFLOW = os.environ.get("DMSFLOW_BIN", os.path.join(ROOT, "target", "release", "dmsflow"))
SOURCE = os.environ["DMSFLOW_SOURCE_URL"]
TARGET = os.environ["DMSFLOW_TARGET_URL"]

COLUMNS = ["id", "order_id", "product_id", "quantity", "warehouse", "unit_price", "discount",
           "created_at", "updated_at", "title", "note", "attrs"]

DDL = """
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.items (
    id          bigint PRIMARY KEY,
    order_id    integer NOT NULL,
    product_id  integer NOT NULL,
    quantity    integer NOT NULL,
    warehouse   integer,
    unit_price  numeric(10,2) NOT NULL,
    discount    numeric(10,2),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz,
    title       text NOT NULL,
    note        text,
    attrs       jsonb
);
"""

# Even keys only, so the target can receive inserts anywhere (odd keys).
FILL = f"""
INSERT INTO bench.items
SELECT 2 * g, g / 3, (g::int8 * 7919) % 100000, 1 + g % 9, CASE WHEN g % 11 = 0 THEN NULL ELSE g % 17 END,
       ((g::int8 * 37) % 100000) / 100.0, CASE WHEN g % 5 = 0 THEN NULL ELSE (g % 50) / 100.0 END,
       timestamptz '2024-01-01' + g * interval '1.000137 second',
       CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2024-06-01' + g * interval '0.5 second' END,
       'item ' || g || ' — ' || md5(g::text),
       CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'note, with "quotes" ' || g END,
       jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + g % 3], 'size', g % 40,
                          'tags', jsonb_build_array('a', g % 7), 'ratio', (g % 1000) / 7.0)
FROM generate_series(1, {ROWS}) g
"""

DIFFS = [
    ("UPDATE bench.items SET quantity = quantity + 1 WHERE id = {k}", "changed", 200_000),
    ("UPDATE bench.items SET note = coalesce(note, '') || '!' WHERE id = {k}", "changed", 2_400_000),
    ("UPDATE bench.items SET attrs = jsonb_set(attrs, '{{size}}', '99') WHERE id = {k}", "changed", 5_000_000),
    ("UPDATE bench.items SET updated_at = coalesce(updated_at, created_at) + interval '1 microsecond' WHERE id = {k}", "changed", 9_800_002),
    ("DELETE FROM bench.items WHERE id = {k}", "missing", 1_200_000),
    ("DELETE FROM bench.items WHERE id = {k}", "missing", 6_600_000),
    ("DELETE FROM bench.items WHERE id = {k}", "missing", 8_200_000),
    ("INSERT INTO bench.items SELECT id + 1, order_id, product_id, quantity, warehouse, unit_price, discount, created_at, updated_at, title, note, attrs FROM bench.items WHERE id = {k}", "extra", 300_000),
    ("INSERT INTO bench.items SELECT id + 1, order_id, product_id, quantity, warehouse, unit_price, discount, created_at, updated_at, title, note, attrs FROM bench.items WHERE id = {k}", "extra", 4_400_000),
    ("INSERT INTO bench.items SELECT id + 1, order_id, product_id, quantity, warehouse, unit_price, discount, created_at, updated_at, title, note, attrs FROM bench.items WHERE id = {k}", "extra", 7_700_000),
]


def psql(url, sql, capture=False):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"psql failed: {r.stderr.strip()}\n{sql[:300]}")
    return r.stdout.strip() if capture else None


def both(sql):
    """Run on both sides concurrently; wall seconds."""
    t0 = time.monotonic()
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda url: psql(url, sql, capture=True), [SOURCE, TARGET]))
    return time.monotonic() - t0


def scale_keys(k):
    # Keys above were written for 5M rows (ids up to 10M); keep them in range.
    return max(2, (k * ROWS // 5_000_000) // 2 * 2)


def run_validate(extra=()):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = ["/usr/bin/time", "-f", "%M", DMSFLOW, "validate", "--source", SOURCE, "--target", TARGET,
           "--schema", "bench", "--rechecks", "0", "--json", out, "--quiet", "--max-diffs", "100", *extra]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    rss_kb = int(r.stderr.strip().splitlines()[-1])
    if r.returncode not in (0, 1):
        sys.exit(f"dmsflow validate failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    with open(out) as f:
        doc = json.load(f)
    os.unlink(out)
    return wall, rss_kb, doc, r.returncode


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    print(f"bench-validate: building bench.items with {ROWS:,} rows on both clusters…", flush=True)
    t0 = time.monotonic()
    psql(SOURCE, DDL)
    psql(TARGET, DDL)
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda url: psql(url, FILL), [SOURCE, TARGET]))
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda url: psql(url, "VACUUM (ANALYZE) bench.items"), [SOURCE, TARGET]))
    size = psql(SOURCE, "SELECT pg_size_pretty(pg_table_size('bench.items'))", capture=True)
    print(f"bench-validate: ready in {time.monotonic() - t0:.0f} s ({size} per side)", flush=True)

    cols = COLUMNS
    datadiff = ("SELECT count(*), sum(('x' || substring(md5(" +
                " || '|' || ".join(f"coalesce({c}::varchar, '<null>')" for c in cols) +
                "), 18))::bit(60)::bigint) FROM bench.items")
    raw = "SELECT " + ", ".join(f"count({c})" for c in cols) + " FROM bench.items"

    # Warm the caches once (every method then reads from memory).
    both(raw)
    a_times, b_times, c_times, rss = [], [], [], []
    for i in range(ROUNDS):
        wall, rss_kb, doc, code = run_validate()
        assert code == 0 and doc["tables"]["status"] == "identical", doc["tables"]["status"]
        a_times.append(wall)
        rss.append(rss_kb)
        b_times.append(both(datadiff))
        c_times.append(both(raw))
        print(f"round {i + 1}: (a) dmsflow {wall:.2f} s  (b) data-diff {b_times[-1]:.2f} s  (c) raw scan {c_times[-1]:.2f} s", flush=True)

    a, b, c = median(a_times), median(b_times), median(c_times)

    # (d) ten scattered differences on the target.
    expected = set()
    for sql, kind, k in DIFFS:
        key = scale_keys(k)
        psql(TARGET, sql.format(k=key))
        expected.add((kind, str(key + 1 if kind == "extra" else key)))
    d_times, d_rss, reported = [], [], set()
    for i in range(ROUNDS):
        wall, rss_kb, doc, code = run_validate()
        d_times.append(wall)
        d_rss.append(rss_kb)
        reported = {(d["kind"], d["key"][0]) for t in doc["tables"]["tables"] for d in t["differences"]["sample"]}
        print(f"round {i + 1}: (d) dmsflow with 10 differences {wall:.2f} s, reported {len(reported)} keys", flush=True)
    d = median(d_times)
    # Peak memory while localising a differing 100k-row chunk row by row.
    _, rss_100k, _, _ = run_validate(["--chunk-rows", "100000"])

    print()
    print(f"bench-validate: table bench.items, {ROWS:,} rows, {size} per side, 2 cores, medians of {ROUNDS}")
    print(f"  (a) dmsflow validate (all checks):      {a:6.2f} s")
    print(f"  (b) data-diff segment checksum:         {b:6.2f} s   a/b = {a / b:.2f} (target <= 0.25)")
    print(f"  (c) raw scan, every column, no casts:   {c:6.2f} s   a/c = {a / c:.2f} (target <= 5)")
    print(f"  (d) with 10 scattered differences:      {d:6.2f} s   d/a = {d / a:.2f} (target <= 1.3)")
    print(f"      reported exactly the 10 keys: {reported == expected}"
          + ("" if reported == expected else f"  missing {sorted(expected - reported)} extra {sorted(reported - expected)}"))
    print(f"  peak RSS of the validator: {median(rss) / 1024:.1f} MB identical run, "
          f"{median(d_rss) / 1024:.1f} MB localising the differences, "
          f"{rss_100k / 1024:.1f} MB with 100k-row chunks compared row by row (target <= 64 MB)")
    psql(SOURCE, "DROP SCHEMA bench CASCADE")
    psql(TARGET, "DROP SCHEMA bench CASCADE")


if __name__ == "__main__":
    main()
