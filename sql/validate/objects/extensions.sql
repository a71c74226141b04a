-- Installed extensions (database-wide; $1 unused but kept for one signature):
-- version and schema.
SELECT e.extname::text AS identity,
       n.nspname::text AS schema_name,
       jsonb_build_object('version', e.extversion, 'schema', n.nspname::text)::text AS attributes
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE $1::text[] IS NOT NULL
ORDER BY 1;
