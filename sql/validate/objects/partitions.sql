-- Partitions of the partitioned tables of the selected schemas ($1), at any
-- depth: parent, bound, the partition key of partitioned ones, and the
-- partition's own indexes and constraints (those created on one partition
-- only as well as those inherited from the parent). Rows are compared once,
-- at the root.
SELECT n.nspname::text || '.' || c.relname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'parent', pn.nspname::text || '.' || p.relname::text,
           'bound', pg_get_expr(c.relpartbound, c.oid),
           'partition_key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '' END,
           'indexes', coalesce((SELECT string_agg(replace(pg_get_indexdef(x.indexrelid),
                                                          ' ON ' || quote_ident(n.nspname) || '.', ' ON ')
                                                  || CASE WHEN x.indisvalid THEN '' ELSE ' (INVALID)' END,
                                                  '; ' ORDER BY ic.relname)
                                FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid
                                WHERE x.indrelid = c.oid), ''),
           'constraints', coalesce((SELECT string_agg(con.conname::text || ': ' || pg_get_constraintdef(con.oid, true)
                                                      || CASE WHEN con.convalidated THEN '' ELSE ' NOT VALID' END,
                                                      '; ' ORDER BY con.conname)
                                    FROM pg_constraint con WHERE con.conrelid = c.oid), ''))::text AS attributes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_inherits i ON i.inhrelid = c.oid
JOIN pg_class p ON p.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relispartition AND c.relkind IN ('r', 'p', 'f') AND (n.nspname = ANY ($1) OR pn.nspname = ANY ($1))
ORDER BY 1;
