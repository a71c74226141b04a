-- Ordinary and partitioned tables and materialized views (their contents are
-- compared like a table's) of the selected schemas ($1), with size estimates.
-- Partitions are listed with their parent: their rows are compared once, at
-- the root, unless a partition is asked for by name.
SELECT c.oid::int8                                   AS oid,
       n.nspname::text                               AS schema_name,
       c.relname::text                               AS table_name,
       pn.nspname::text                              AS parent_schema,
       pc.relname::text                              AS parent_name,
       c.relkind::text                               AS kind,
       greatest(c.reltuples, 0)::float8              AS row_estimate,
       -- pg_relation_size locks the table: one held ACCESS EXCLUSIVE by
       -- another session would stop the whole catalog read, so such a table
       -- takes the planner's page count (its own reads then fail alone).
       CASE WHEN EXISTS (SELECT 1 FROM pg_locks l
                         WHERE l.locktype = 'relation' AND l.relation = c.oid
                           AND l.database = (SELECT oid FROM pg_database
                                             WHERE datname = current_database())
                           AND l.mode = 'AccessExclusiveLock')
            THEN c.relpages::int8
            ELSE pg_relation_size(c.oid) / current_setting('block_size')::int8
       END                                           AS blocks,
       has_table_privilege(c.oid, 'SELECT')          AS can_select
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND c.relkind IN ('r', 'p', 'm')
ORDER BY n.nspname, c.relname;
