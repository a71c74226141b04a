-- The scale run's database (scripts/scale-run.sh), built the same way on the
-- source and on the target: deterministic (generate_series only), so both
-- sides hold the same bytes before the run injects its differences.
--
--   psql -v tables=2000 -v big_rows=20000000 -v schemas=a,b,c -f scripts/scale-run.sql
--
-- Small tables: shaped like a legacy database — keyed and key-less tables,
-- int, bigint, text, numeric (with and without typmod), timestamptz with
-- microseconds, jsonb, some NULLs; 10–200 rows each, round-robin over the
-- schemas. One big table, billing.ledger_entries: loaded first, its primary
-- key created after the load (as pg_restore would), then VACUUM ANALYZE so the
-- planner's row estimate (what the validation plan splits on) is right.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

SELECT format('CREATE SCHEMA IF NOT EXISTS %I', s)
FROM unnest(string_to_array(:'schemas', ',')) AS s \gexec

-- One row per small table: its schema, shape (0..4) and row count. Each
-- \gexec statement runs in its own transaction (few locks at a time).
CREATE TEMP TABLE scale_tables AS
SELECT i,
       (string_to_array(:'schemas', ','))[1 + i % cardinality(string_to_array(:'schemas', ','))] AS sch,
       i % 5 AS shape,
       10 + (i * 7919) % 191 AS n,
       (ARRAY['ref', 'log', 'map', 'item', 'hist'])[1 + i % 5] || '_' || lpad(i::text, 4, '0') AS tbl
FROM generate_series(0, :tables - 1) AS i;

SELECT CASE shape
    -- keyed, int key
    WHEN 0 THEN format($q$CREATE TABLE %I.%I (id int PRIMARY KEY, code text NOT NULL, amount numeric(12,2),
                 updated_at timestamptz, attrs jsonb)$q$, sch, tbl)
    -- key-less log
    WHEN 1 THEN format($q$CREATE TABLE %I.%I (logged_at timestamptz, level text, message text, n int)$q$, sch, tbl)
    -- keyed, composite key
    WHEN 2 THEN format($q$CREATE TABLE %I.%I (a int, b int, val numeric, note text, PRIMARY KEY (a, b))$q$, sch, tbl)
    -- keyed, bigint key
    WHEN 3 THEN format($q$CREATE TABLE %I.%I (id bigint PRIMARY KEY, name text, price numeric, created timestamptz,
                 flags jsonb, qty int)$q$, sch, tbl)
    -- key-less, duplicates allowed
    ELSE format($q$CREATE TABLE %I.%I (code text, qty int, price numeric(10,3), seen timestamptz)$q$, sch, tbl)
  END,
  CASE shape
    WHEN 0 THEN format($q$INSERT INTO %I.%I SELECT g, 'C-' || g || '-' || %s, round((g * 13.37 + %s)::numeric %% 10000, 2),
                 timestamptz '2019-01-01 00:00:00+00' + (g * 3601 + %s) * interval '1 second' + g * interval '1 microsecond',
                 CASE WHEN g %% 7 = 0 THEN NULL ELSE jsonb_build_object('k', g, 'tag', 't' || (g %% 5), 'ok', g %% 2 = 0) END
                 FROM generate_series(1, %s) AS g$q$, sch, tbl, i, i, i, n)
    WHEN 1 THEN format($q$INSERT INTO %I.%I SELECT timestamptz '2020-06-01 00:00:00+00' + (g * 61 + %s) * interval '1 second',
                 (ARRAY['INFO','WARN','ERROR'])[1 + g %% 3], CASE WHEN g %% 5 = 0 THEN NULL ELSE 'event ' || g || ' of table ' || %s END, g %% 17
                 FROM generate_series(1, %s) AS g$q$, sch, tbl, i, i, n)
    WHEN 2 THEN format($q$INSERT INTO %I.%I SELECT 1 + g / 10, g %% 10, (g * 0.001 + %s)::numeric,
                 CASE WHEN g %% 4 = 0 THEN NULL WHEN g %% 4 = 1 THEN '' ELSE 'note ' || g END
                 FROM generate_series(0, %s - 1) AS g$q$, sch, tbl, i, n)
    WHEN 3 THEN format($q$INSERT INTO %I.%I SELECT 1000000000000 + g, 'name ' || g, (g / 3.0)::numeric(20,10),
                 timestamptz '2021-03-01 12:00:00.123456+00' + (g * 86399 + %s) * interval '1 second',
                 CASE WHEN g %% 3 = 0 THEN '{}'::jsonb ELSE jsonb_build_array(g, 'x' || %s) END, CASE WHEN g %% 9 = 0 THEN NULL ELSE g END
                 FROM generate_series(1, %s) AS g$q$, sch, tbl, i, i, n)
    ELSE format($q$INSERT INTO %I.%I SELECT 'K' || (g %% 13), g %% 4, (g * 1.125)::numeric(10,3),
                 CASE WHEN g %% 6 = 0 THEN NULL ELSE timestamptz '2018-01-01 00:00:00+00' + (g + %s) * interval '1 hour' END
                 FROM generate_series(1, %s) AS g$q$, sch, tbl, i, n)
  END
FROM scale_tables ORDER BY i \gexec

-- The big table: 6 columns, bigint key, numeric, timestamptz, text.
CREATE TABLE billing.ledger_entries (
    id bigint NOT NULL,
    account_id int NOT NULL,
    amount numeric(14,2) NOT NULL,
    booked_at timestamptz NOT NULL,
    memo text,
    status text NOT NULL
);
INSERT INTO billing.ledger_entries
SELECT g,
       (g * 7919) % 100003,
       round(((g * 104729) % 10000000) / 100.0 - 50000, 2),
       timestamptz '2015-01-01 00:00:00+00' + g * interval '7 seconds' + (g % 1000000) * interval '1 microsecond',
       CASE WHEN g % 97 = 0 THEN NULL ELSE 'entry ' || g || ' acct ' || ((g * 7919) % 100003) END,
       (ARRAY['open', 'posted', 'void'])[1 + g % 3]
FROM generate_series(1::bigint, :big_rows) AS g;
ALTER TABLE billing.ledger_entries ADD PRIMARY KEY (id);
VACUUM (ANALYZE);
