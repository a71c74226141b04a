-- Tables of the schemas $1 a publication would carry (ordinary and
-- partitioned roots, not partitions), and whether UPDATE/DELETE on each can be
-- published: a published table with no replica identity makes them fail on
-- the source.
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       CASE c.relreplident
           WHEN 'f' THEN true
           WHEN 'i' THEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)
           WHEN 'd' THEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
           ELSE false
       END AS has_replica_identity
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
ORDER BY 1, 2;
