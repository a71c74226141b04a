-- Every sequence of the selected schemas ($1), owned by a column or not, with
-- its definition, its position and every column that draws from it: owned
-- (serial), identity, or any column whose DEFAULT calls nextval() on it.
-- `last_value` is NULL when the sequence was never used or this role may not
-- read it (`readable` says which).
SELECT n.nspname::text                                   AS schema_name,
       s.relname::text                                   AS sequence_name,
       format_type(q.seqtypid, NULL)                     AS data_type,
       q.seqstart                                        AS start_value,
       q.seqincrement                                    AS increment_by,
       q.seqmin                                          AS min_value,
       q.seqmax                                          AS max_value,
       q.seqcache                                        AS cache_size,
       q.seqcycle                                        AS cycles,
       has_sequence_privilege(s.oid, 'SELECT')           AS readable,
       ps.last_value                                     AS last_value,
       coalesce((SELECT array_agg(u.col ORDER BY u.col) FROM (
                   -- a column DEFAULT that calls nextval() on it
                   SELECT un.nspname::text || '.' || uc.relname::text || '.' || ua.attname::text AS col
                   FROM pg_depend d
                   JOIN pg_attrdef ad ON ad.oid = d.objid
                   JOIN pg_class uc ON uc.oid = ad.adrelid AND uc.relkind IN ('r', 'p')
                   JOIN pg_namespace un ON un.oid = uc.relnamespace
                   JOIN pg_attribute ua ON ua.attrelid = uc.oid AND ua.attnum = ad.adnum
                   WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
                     AND d.refobjid = s.oid AND d.deptype = 'n'
                   UNION
                   -- owned by a column (serial, OWNED BY) or behind an identity column
                   SELECT un.nspname::text || '.' || uc.relname::text || '.' || ua.attname::text
                   FROM pg_depend d
                   JOIN pg_class uc ON uc.oid = d.refobjid AND uc.relkind IN ('r', 'p')
                   JOIN pg_namespace un ON un.oid = uc.relnamespace
                   JOIN pg_attribute ua ON ua.attrelid = uc.oid AND ua.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                     AND d.refobjsubid > 0) u),
                '{}')                                    AS used_by
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_sequence q ON q.seqrelid = s.oid
LEFT JOIN pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = s.relname
WHERE s.relkind = 'S' AND n.nspname = ANY ($1)
ORDER BY 1, 2;
