-- Composite and range types of the selected schemas ($1): composite
-- attributes in order with their types, range subtype. (Enums have a check of
-- their own; composite types behind tables are the tables themselves.)
SELECT n.nspname::text || '.' || t.typname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'kind', CASE t.typtype WHEN 'c' THEN 'composite' ELSE 'range' END,
           'attributes', coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod),
                                                     ', ' ORDER BY a.attnum)
                                    FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                                      AND NOT a.attisdropped), ''),
           'subtype', coalesce((SELECT format_type(r.rngsubtype, NULL)
                                       || coalesce(' collate ' || co.collname::text, '')
                                FROM pg_range r LEFT JOIN pg_collation co ON co.oid = r.rngcollation AND r.rngcollation <> 0
                                WHERE r.rngtypid = t.oid), ''))::text AS attributes
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = ANY ($1)
  AND (t.typtype = 'r' OR (t.typtype = 'c' AND c.relkind = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1;
