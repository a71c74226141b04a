-- Tables (and partitions) of schemas $1 that logical decoding cannot
-- identify a row of: no primary key, and replica identity neither FULL nor a
-- usable index. With their UPDATE/DELETE counts since the statistics were reset.
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       c.relreplident::text AS replica_identity,
       coalesce(s.n_tup_upd, 0)::int8 AS updates,
       coalesce(s.n_tup_del, 0)::int8 AS deletes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE n.nspname = ANY($1::text[])
  AND c.relkind = 'r'
  AND c.relpersistence = 'p'
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
  AND NOT (c.relreplident = 'f')
  AND NOT (c.relreplident = 'i' AND EXISTS (
        SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))
ORDER BY 1, 2;
