"""The benchmark table on both clusters, and the 10 scattered differences."""
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

SCHEMA, TABLE = "bench", "items"
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

# Row g has key 2g (even keys only, so the target can receive inserts at odd keys).
# updated_at is NULL when g % 4 = 0; note is NULL when g % 3 = 0.
FILL = """
INSERT INTO bench.items
SELECT 2 * g, g / 3, (g::int8 * 7919) % 100000, 1 + g % 9, CASE WHEN g % 11 = 0 THEN NULL ELSE g % 17 END,
       ((g::int8 * 37) % 100000) / 100.0, CASE WHEN g % 5 = 0 THEN NULL ELSE (g % 50) / 100.0 END,
       timestamptz '2024-01-01' + g * interval '1.000137 second',
       CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2024-06-01' + g * interval '0.5 second' END,
       'item ' || g || ' — ' || md5(g::text),
       CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'note, with "quotes" ' || g END,
       jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + g % 3], 'size', g % 40,
                          'tags', jsonb_build_array('a', g % 7), 'ratio', (g % 1000) / 7.0)
FROM generate_series(1, {rows}) g
"""

_COPY_ROW = ("INSERT INTO bench.items SELECT id + 1, order_id, product_id, quantity, warehouse, "
             "unit_price, discount, created_at, updated_at, title, note, attrs FROM bench.items WHERE id = {k}")

# (what, SQL on the target, kind dmsflow reports, where in the table (fraction of rows),
#  condition the row's g must meet for the change to be the one named).
DIFFS = [
    ("a microsecond", "UPDATE bench.items SET updated_at = updated_at + interval '1 microsecond' WHERE id = {k}",
     "changed", 0.98, lambda g: g % 4 != 0),
    ("a numeric's last digit", "UPDATE bench.items SET unit_price = unit_price + 0.01 WHERE id = {k}",
     "changed", 0.04, None),
    ("a jsonb key", "UPDATE bench.items SET attrs = attrs || '{{\"gift\": true}}' WHERE id = {k}",
     "changed", 0.50, None),
    ("NULL vs text", "UPDATE bench.items SET note = 'n/a' WHERE id = {k}",
     "changed", 0.48, lambda g: g % 3 == 0),
    ("a delete", "DELETE FROM bench.items WHERE id = {k}", "missing", 0.24, None),
    ("a delete", "DELETE FROM bench.items WHERE id = {k}", "missing", 0.66, None),
    ("a delete", "DELETE FROM bench.items WHERE id = {k}", "missing", 0.82, None),
    ("an insert", _COPY_ROW, "extra", 0.06, None),
    ("an insert", _COPY_ROW, "extra", 0.44, None),
    ("an insert", _COPY_ROW, "extra", 0.77, None),
]


def psql(url, sql, capture=False):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"psql failed: {r.stderr.strip()}\n{sql[:300]}")
    return r.stdout.strip() if capture else None


def both(source, target, sql):
    """Run on both sides concurrently; wall seconds."""
    t0 = time.monotonic()
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda url: psql(url, sql, capture=True), [source, target]))
    return time.monotonic() - t0


def build(source, target, rows):
    """Identical bench.items on both sides, vacuumed; returns its size per side."""
    psql(source, DDL)
    psql(target, DDL)
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda url: psql(url, FILL.format(rows=rows)), [source, target]))
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda url: psql(url, "VACUUM (ANALYZE) bench.items"), [source, target]))
    return psql(source, "SELECT pg_size_pretty(pg_table_size('bench.items'))", capture=True)


def _row_g(rows, fraction, condition):
    g = max(1, min(rows, int(rows * fraction)))
    while condition and not condition(g):
        g += 1 if g < rows else -rows + 1
    return g


def apply_diffs(target, rows):
    """Apply the 10 differences on the target; returns {(kind, key as text): what}."""
    expected = {}
    for what, sql, kind, fraction, condition in DIFFS:
        key = 2 * _row_g(rows, fraction, condition)
        psql(target, sql.format(k=key))
        expected[(kind, str(key + 1 if kind == "extra" else key))] = what
    if len(expected) != len(DIFFS):
        sys.exit(f"bench-validate: {rows} rows is too few for {len(DIFFS)} distinct differences")
    return expected


def drop(source, target):
    psql(source, "DROP SCHEMA bench CASCADE")
    psql(target, "DROP SCHEMA bench CASCADE")
