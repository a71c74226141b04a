-- Columns of every table (partitions included) of the selected schemas ($1), in column order. `base_type` is the
-- type behind domains; `type_kind` is pg_type.typtype of it (b base, e enum,
-- c composite, r range, m multirange); `deterministic` is false for
-- nondeterministic collations.
SELECT n.nspname::text                                   AS schema_name,
       c.relname::text                                   AS table_name,
       a.attnum::int4                                    AS position,
       a.attname::text                                   AS column_name,
       format_type(a.atttypid, a.atttypmod)              AS data_type,
       coalesce(bt.typname, t.typname)::text             AS base_type,
       coalesce(bt.typtype, t.typtype)::text             AS type_kind,
       (coalesce(bt.typcategory, t.typcategory) = 'A')   AS is_array,
       a.attnotnull                                      AS not_null,
       -- pg_get_expr locks the table: one held ACCESS EXCLUSIVE by another
       -- session is not waited for here (its data reads fail on their own).
       CASE WHEN EXISTS (SELECT 1 FROM pg_locks l
                         WHERE l.locktype = 'relation' AND l.relation = c.oid
                           AND l.mode = 'AccessExclusiveLock'
                           AND l.database = (SELECT oid FROM pg_database
                                             WHERE datname = current_database()))
            THEN CASE WHEN d.adbin IS NOT NULL THEN '(not read: the table is locked)' END
            ELSE pg_get_expr(d.adbin, d.adrelid, true)
       END                                               AS default_expr,
       a.attidentity::text                               AS identity,
       a.attgenerated::text                              AS generated,
       coll.collname::text                               AS collation,
       coalesce(coll.collisdeterministic, true)          AS deterministic
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_collation coll ON coll.oid = a.attcollation AND a.attcollation <> 0
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'm')
ORDER BY n.nspname, c.relname, a.attnum;
