-- Indexes of every table of the selected schemas ($1). The definition is rendered with the
-- schema name stripped so source and target compare even if schemas differ.
SELECT n.nspname::text                                          AS schema_name,
       c.relname::text                                          AS table_name,
       i.relname::text                                          AS name,
       -- Deparsing locks the table: see constraints.sql.
       CASE WHEN EXISTS (SELECT 1 FROM pg_locks l
                         WHERE l.locktype = 'relation' AND l.relation = c.oid
                           AND l.mode = 'AccessExclusiveLock'
                           AND l.database = (SELECT oid FROM pg_database
                                             WHERE datname = current_database()))
            THEN '(not read: the table is locked)'
            ELSE replace(pg_get_indexdef(x.indexrelid),
                         ' ON ' || quote_ident(n.nspname) || '.', ' ON ')
       END                                                      AS definition,
       x.indisprimary                                           AS is_primary,
       x.indisunique                                            AS is_unique,
       x.indisvalid                                             AS is_valid
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'm')
ORDER BY n.nspname, c.relname, i.relname;
