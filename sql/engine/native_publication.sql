-- The tables publication $1 carries, one row each; no row at all when the
-- publication does not exist (a publication with no table gives one row of NULLs).
SELECT pt.schemaname::text AS schema_name,
       pt.tablename::text  AS table_name
FROM pg_publication p
LEFT JOIN pg_publication_tables pt ON pt.pubname = p.pubname
WHERE p.pubname = $1
ORDER BY 1, 2;
