-- Every sequence a column of a table of the selected schemas ($1) draws from: owned by
-- the column (serial, OWNED BY), behind an identity column, or only named in
-- its DEFAULT nextval(...) (legacy schemas; one sequence may feed several
-- tables). `last_value` is NULL when the sequence was never used, or when
-- this role may not read it (`readable` says which).
WITH drawn AS (
    SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS attnum
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum
    FROM pg_depend d
    JOIN pg_attrdef ad ON ad.oid = d.objid
    WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype = 'n'
)
SELECT n.nspname::text                                      AS schema_name,
       c.relname::text                                      AS table_name,
       a.attname::text                                      AS column_name,
       sn.nspname::text || '.' || s.relname::text           AS sequence_name,
       has_sequence_privilege(s.oid, 'SELECT')              AS readable,
       ps.last_value                                        AS last_value
FROM drawn x
JOIN pg_class s ON s.oid = x.seq AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_class c ON c.oid = x.rel AND c.relkind IN ('r', 'p')
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.attnum
LEFT JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
WHERE n.nspname = ANY($1::text[])
ORDER BY n.nspname, c.relname, a.attname;
