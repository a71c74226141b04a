-- The default selection: every user schema (all but the system ones).
SELECT nspname::text AS schema_name
FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\_toast%'
  AND nspname NOT LIKE 'pg\_temp%'
ORDER BY nspname;
