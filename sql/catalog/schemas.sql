-- The schemas a validation covers, on this side: every user schema (all but
-- the system ones, toast and temp schemas) when $1 is empty, else those named
-- in $1; less those in $2, and less dmsflow's own: a seed's staging schema
-- (its comment is the marker $3). What is named but absent is the
-- caller's to report.
SELECT nspname::text AS schema_name
FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\_toast%'
  AND nspname NOT LIKE 'pg\_temp%'
  AND (cardinality($1::text[]) = 0 OR nspname = ANY($1::text[]))
  AND NOT nspname = ANY($2::text[])
  AND obj_description(oid, 'pg_namespace') IS DISTINCT FROM $3::text
ORDER BY nspname;
