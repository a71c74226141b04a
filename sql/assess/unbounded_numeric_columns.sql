-- numeric columns (or arrays of numeric) of schemas $1 declared without a
-- precision: DMS moves them as NUMERIC(28,6), rounding every other value.
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name, a.attname::text AS column_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid IN ('numeric'::regtype, '_numeric'::regtype)
  AND a.atttypmod = -1
ORDER BY 1, 2, 3;
