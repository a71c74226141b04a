-- Which of the tables ($1 schemas, $2 names, pairwise) hold at least one
-- visible row (the copy of a subscription would fail on them with duplicate
-- keys, or double them), as `schema.table`.
SELECT t.schema_name || '.' || t.table_name AS table_name
FROM unnest($1::text[], $2::text[]) AS t(schema_name, table_name)
WHERE (xpath('/row/e/text()',
             query_to_xml(format('SELECT EXISTS (SELECT 1 FROM %I.%I) AS e', t.schema_name, t.table_name),
                          false, true, '')))[1]::text = 'true'
ORDER BY 1;
