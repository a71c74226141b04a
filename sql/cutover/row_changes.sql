-- Rows inserted, updated and deleted so far in the tables of the schemas $1,
-- as the statistics know them (a busy session reports within about 1 s, an
-- idle one within 10 s). Unchanged across a window: nobody wrote to the
-- selection.
SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int8 AS changes
FROM pg_stat_user_tables
WHERE schemaname = ANY($1::text[]);
