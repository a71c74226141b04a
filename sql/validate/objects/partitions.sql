-- Partitions of the partitioned tables of the selected schemas ($1), at any
-- depth: parent, bound, and the partition key of partitioned ones. Rows are
-- compared once, at the root; a partition's own indexes and constraints are
-- compared like a table's.
SELECT n.nspname::text || '.' || c.relname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'parent', pn.nspname::text || '.' || p.relname::text,
           'bound', pg_get_expr(c.relpartbound, c.oid),
           'partition_key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '' END)::text AS attributes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_inherits i ON i.inhrelid = c.oid
JOIN pg_class p ON p.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relispartition AND c.relkind IN ('r', 'p', 'f') AND (n.nspname = ANY ($1) OR pn.nspname = ANY ($1))
ORDER BY 1;
