-- json and jsonb columns of schemas $1 (DMS moves them as LOBs), with the size
-- of their table so the caller can decide whether to scan it for the largest value.
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name, a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       pg_total_relation_size(c.oid)::int8 AS table_bytes
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind = 'r'
  AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid IN ('json'::regtype, 'jsonb'::regtype)
ORDER BY 1, 2, 3;
