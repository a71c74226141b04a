-- Tables of the schemas $1 on the target (where a subscription applies
-- changes), as `schema.table`.
SELECT n.nspname::text || '.' || c.relname::text AS table_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('r', 'p')
ORDER BY 1;
