-- Tables of the sample schema and whether each holds at least one row.
-- query_to_xml runs the per-table EXISTS without string-pasted SQL in the client;
-- the identifiers come from the catalog and are quoted with format(%I).
SELECT c.relname::text AS table_name,
       (xpath('/row/has_rows/text()',
              query_to_xml(format('SELECT EXISTS (SELECT 1 FROM %I.%I) AS has_rows', n.nspname, c.relname),
                           false, true, '')))[1]::text::boolean AS has_rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname;
