-- Per-table state of subscription $1 (oid, as int8): i = initialize, d = data
-- is being copied, f = finished copy, s = synchronized, r = ready (streaming).
-- Row figures are the target's statistics (estimates; cumulative counters).
-- rows_before_copy: the table is not copied yet (i, d: the copy commits with
-- its state change) yet holds visible rows; its copy cannot succeed.
SELECT n.nspname::text                     AS schema_name,
       c.relname::text                     AS table_name,
       sr.srsubstate::text                 AS state,
       coalesce(st.n_live_tup, 0)::int8    AS live_rows,
       coalesce(st.n_tup_ins, 0)::int8     AS inserts,
       coalesce(st.n_tup_upd, 0)::int8     AS updates,
       coalesce(st.n_tup_del, 0)::int8     AS deletes,
       CASE WHEN sr.srsubstate IN ('i', 'd') THEN
           (xpath('/row/e/text()',
                  query_to_xml(format('SELECT EXISTS (SELECT 1 FROM %I.%I) AS e', n.nspname, c.relname),
                               false, true, '')))[1]::text = 'true'
       ELSE false END                      AS rows_before_copy
FROM pg_subscription_rel sr
JOIN pg_class c ON c.oid = sr.srrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables st ON st.relid = c.oid
WHERE sr.srsubid = $1::int8::oid
ORDER BY 1, 2;
