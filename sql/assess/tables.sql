-- Ordinary tables of schemas $1 (partitions included: they hold the rows).
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind = 'r'
ORDER BY 1, 2;
