-- Views of the selected schemas ($1): definition and options.
-- Columns of every object query: identity (unique within the kind), schema_name,
-- attributes (a jsonb object of the compared properties, as text).
SELECT n.nspname::text || '.' || c.relname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'definition', pg_get_viewdef(c.oid, true),
           'options', coalesce(array_to_string(c.reloptions, ','), ''))::text AS attributes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1) AND c.relkind = 'v'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1;
