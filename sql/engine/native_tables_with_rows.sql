-- Which of tables $2 of schema $1 hold at least one visible row (the copy of
-- a subscription would fail on them with duplicate keys, or double them).
SELECT t.table_name
FROM unnest($2::text[]) AS t(table_name)
WHERE (xpath('/row/e/text()',
             query_to_xml(format('SELECT EXISTS (SELECT 1 FROM %I.%I) AS e', $1::text, t.table_name),
                          false, true, '')))[1]::text = 'true'
ORDER BY 1;
