-- Materialized views of the selected schemas ($1): definition, populated or
-- not (their contents are compared like a table's rows).
SELECT n.nspname::text || '.' || c.relname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'definition', pg_get_viewdef(c.oid, true),
           'populated', c.relispopulated::text)::text AS attributes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1) AND c.relkind = 'm'
ORDER BY 1;
