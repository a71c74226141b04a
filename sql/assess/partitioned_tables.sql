-- Partitioned tables of schemas $1 with their partition counts.
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name,
       (SELECT count(*)::int8 FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind = 'p'
ORDER BY 1, 2;
