-- Row-level security of the selected schemas ($1): per table whether it is
-- enabled and forced, and every policy with its command, roles and expressions.
SELECT n.nspname::text || '.' || c.relname::text AS identity,
       n.nspname::text                          AS schema_name,
       jsonb_build_object(
           'row_security', c.relrowsecurity::text,
           'forced', c.relforcerowsecurity::text,
           'policies', coalesce((SELECT string_agg(
                   p.polname::text || ': ' || p.polcmd::text
                   || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
                   || ' to ' || coalesce((SELECT string_agg(rn, ',' ORDER BY rn)
                                          FROM (SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END AS rn
                                                FROM unnest(p.polroles) r) roles), '')
                   || ' using (' || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ')'
                   || ' check (' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') || ')',
                   '; ' ORDER BY p.polname)
               FROM pg_policy p WHERE p.polrelid = c.oid), ''))::text AS attributes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'p')
  AND (c.relrowsecurity OR c.relforcerowsecurity
       OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
ORDER BY 1;
