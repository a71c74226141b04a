-- User triggers on tables, views and materialized views of the selected
-- schemas ($1): definition and enabled state (O origin, D disabled, R replica,
-- A always). Clones of a partitioned table's trigger on its partitions are
-- left out: the parent's trigger stands for them.
SELECT n.nspname::text || '.' || c.relname::text || '.' || t.tgname::text AS identity,
       n.nspname::text                                                    AS schema_name,
       jsonb_build_object(
           'definition', pg_get_triggerdef(t.oid, true),
           'enabled', t.tgenabled::text)::text                            AS attributes
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1) AND NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY 1;
