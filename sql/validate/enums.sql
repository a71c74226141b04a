-- Enum types of the selected schemas ($1) or used by their columns, and their
-- labels in sort order (an enum no column uses yet is compared too).
SELECT tn.nspname::text || '.' || t.typname::text                         AS type_name,
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = t.oid), '{}')          AS labels
FROM pg_type t
JOIN pg_namespace tn ON tn.oid = t.typnamespace
WHERE t.typtype = 'e'
  AND (tn.nspname = ANY($1::text[]) OR t.oid IN (
      SELECT CASE WHEN t0.typcategory = 'A' THEN t0.typelem
                  WHEN t0.typtype = 'd' THEN t0.typbasetype
                  ELSE t0.oid END
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t0 ON t0.oid = a.atttypid
      WHERE n.nspname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm')))
ORDER BY 1;
