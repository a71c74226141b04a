-- Functions, procedures and aggregates of the selected schemas ($1), except
-- those an extension owns: signature, result, language, body hash, volatility,
-- security definer, strictness, parallel safety, settings; for aggregates the
-- transition machinery. Bodies are hashed, never executed.
SELECT n.nspname::text || '.' || p.proname::text
           || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS identity,
       n.nspname::text                                               AS schema_name,
       jsonb_build_object(
           'kind', CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure'
                                  WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' END,
           'result', coalesce(pg_get_function_result(p.oid), ''),
           'language', l.lanname::text,
           'body_md5', md5(coalesce(p.prosrc, '') || '/' || coalesce(p.probin, '')),
           'volatility', CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
           'security_definer', p.prosecdef::text,
           'strict', p.proisstrict::text,
           'leakproof', p.proleakproof::text,
           'parallel', p.proparallel::text,
           'settings', coalesce(array_to_string(p.proconfig, ','), ''),
           'aggregate', coalesce((SELECT a.aggtransfn::regproc::text || '/' || a.aggtranstype::regtype::text
                                          || '/' || a.aggfinalfn::regproc::text || '/' || coalesce(a.agginitval, '')
                                   FROM pg_aggregate a WHERE a.aggfnoid = p.oid), ''))::text AS attributes
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY ($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
ORDER BY 1;
