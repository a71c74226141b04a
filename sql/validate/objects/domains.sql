-- Domains of the selected schemas ($1): base type with typmod, NOT NULL,
-- default, collation and every constraint by name and definition.
SELECT n.nspname::text || '.' || t.typname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'base_type', format_type(t.typbasetype, t.typtypmod),
           'not_null', t.typnotnull::text,
           'default', coalesce(t.typdefault, ''),
           'collation', coalesce((SELECT co.collname::text FROM pg_collation co
                                   WHERE co.oid = t.typcollation AND t.typcollation <> 0
                                     AND co.collname <> 'default'), ''),
           'constraints', coalesce((SELECT string_agg(con.conname::text || ': '
                                                      || pg_get_constraintdef(con.oid, true)
                                                      || CASE WHEN con.convalidated THEN '' ELSE ' NOT VALID' END,
                                                      '; ' ORDER BY con.conname)
                                     FROM pg_constraint con WHERE con.contypid = t.oid), ''))::text AS attributes
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY ($1) AND t.typtype = 'd'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1;
