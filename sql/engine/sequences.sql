-- Sequences owned by a column (serial) or backing an identity column of any
-- table of a schema ($1). Their values are read from the sequences themselves
-- (`last_value`, `is_called`), which pg_sequences does not give exactly.
SELECT DISTINCT sn.nspname::text AS sequence_schema,
                s.relname::text  AS sequence_name
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.classid = 'pg_class'::regclass
  AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i')
  AND n.nspname = $1
ORDER BY 1, 2;
