-- Constraints of every table of the selected schemas ($1): primary keys, unique, foreign
-- keys, CHECK, exclusion. `key_columns` lists the constrained columns in order.
SELECT n.nspname::text                                 AS schema_name,
       c.relname::text                                 AS table_name,
       con.conname::text                               AS name,
       con.contype::text                               AS kind,
       -- Deparsing locks the table: a table another session holds ACCESS
       -- EXCLUSIVE is not waited for (its data reads fail on their own).
       CASE WHEN EXISTS (SELECT 1 FROM pg_locks l
                         WHERE l.locktype = 'relation' AND l.relation = c.oid
                           AND l.mode = 'AccessExclusiveLock'
                           AND l.database = (SELECT oid FROM pg_database
                                             WHERE datname = current_database()))
            THEN '(not read: the table is locked)'
            ELSE pg_get_constraintdef(con.oid, true)
       END                                             AS definition,
       con.convalidated                                AS validated,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
                '{}')                                  AS key_columns
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY n.nspname, c.relname, con.conname;
