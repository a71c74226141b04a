-- Unlogged tables of schemas $1: they write no WAL, so no change to them is replicated.
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('r', 'p')
  AND c.relpersistence = 'u'
ORDER BY 1, 2;
