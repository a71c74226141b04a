-- Which of schemas $1 exist in this database.
SELECT nspname::text AS schema_name
FROM pg_namespace
WHERE nspname = ANY($1::text[])
ORDER BY nspname;
