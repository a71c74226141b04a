-- Sequences owned by a column (serial) or backing an identity column, of every
-- table of a schema ($1). `last_value` is NULL when the sequence was never
-- used, or when this role may not read it (`readable` says which).
SELECT c.relname::text                                      AS table_name,
       a.attname::text                                      AS column_name,
       sn.nspname::text || '.' || s.relname::text           AS sequence_name,
       has_sequence_privilege(s.oid, 'SELECT')              AS readable,
       ps.last_value                                        AS last_value
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
LEFT JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i')
  AND n.nspname = $1
ORDER BY c.relname, a.attname;
