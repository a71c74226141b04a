-- Owners and privileges of the selected schemas ($1) and what is in them:
-- the schemas, tables, views, materialized views, sequences, functions and
-- types. ACLs are exploded and sorted so equal grants compare equal whatever
-- their order; a NULL ACL (the owner's defaults) reads as 'default'.
WITH objects AS (
    SELECT 'schema ' || quote_ident(n.nspname) AS identity, n.nspname AS schema_name,
           n.nspowner AS owner, n.nspacl AS acl
    FROM pg_namespace n WHERE n.nspname = ANY ($1)
    UNION ALL
    SELECT CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '
                ELSE 'table ' END || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
           n.nspname, c.relowner, c.relacl
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || quote_ident(n.nspname) || '.'
               || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
           n.nspname, p.proowner, p.proacl
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY ($1)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
)
SELECT o.identity::text AS identity,
       o.schema_name::text AS schema_name,
       jsonb_build_object(
           'owner', pg_get_userbyid(o.owner)::text,
           'grants', CASE WHEN o.acl IS NULL THEN 'default' ELSE coalesce((
               SELECT string_agg(g.grant_text, ', ' ORDER BY g.grant_text)
               FROM (SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee)::text END
                            || ':' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END AS grant_text
                     FROM aclexplode(o.acl) x) g), '') END)::text AS attributes
FROM objects o
ORDER BY 1;
