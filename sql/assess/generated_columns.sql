-- Stored generated columns of schemas $1 (never written by a replication
-- apply: the target computes them, DMS tries to insert them).
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name, a.attname::text AS column_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
  AND a.attgenerated <> ''
ORDER BY 1, 2, 3;
