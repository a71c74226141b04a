-- Columns of the selected schemas ($1) whose comparison would run code that is neither
-- PostgreSQL's own nor an installed extension's. The validator renders values
-- with their types' output functions (and hashes built-in types natively), so
-- what matters is every type inside a column — the column's type, a domain's
-- base, an array's element, a composite's members, a range's subtype — and
-- per type its output function (`kind` 'output') and its default hash
-- operator class (`kind` 'hash'; used only when the column is hashed as it
-- is). User code is an object created after initdb (oid >= 16384, wherever
-- it lives, pg_catalog included) that no extension owns.
-- The recursion walks each distinct column type once (not each column), and
-- what it finds is joined back to the columns of that type.
WITH RECURSIVE columns AS (
    SELECT n.nspname::text AS schema_name, c.relname::text AS table_name,
           a.attname::text AS column_name, a.atttypid AS type_oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p')
),
parts(root, type_oid, depth) AS (
    SELECT DISTINCT type_oid, type_oid, 0 FROM columns
  UNION ALL
    SELECT p.root, inner_type.oid, p.depth + 1
    FROM parts p
    JOIN pg_type t ON t.oid = p.type_oid
    CROSS JOIN LATERAL (
        SELECT t.typbasetype WHERE t.typtype = 'd'
        UNION ALL SELECT t.typelem WHERE t.typelem <> 0
        UNION ALL SELECT m.atttypid FROM pg_attribute m
                  WHERE t.typtype = 'c' AND m.attrelid = t.typrelid AND m.attnum > 0 AND NOT m.attisdropped
        UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = t.oid
        UNION ALL SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = t.oid
    ) AS inner_type(oid)
    WHERE p.depth < 32
),
user_functions AS (
    SELECT f.oid
    FROM pg_proc f
    WHERE f.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = f.oid
                        AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
),
found(root, type_name, kind, function) AS (
    SELECT p.root, format_type(t.oid, NULL), 'output'::text, t.typoutput::regprocedure::text
    FROM parts p
    JOIN pg_type t ON t.oid = p.type_oid
    WHERE t.typoutput IN (SELECT oid FROM user_functions)
  UNION
    SELECT p.root, format_type(t.oid, NULL), 'hash'::text, ap.amproc::regprocedure::text
    FROM parts p
    JOIN pg_type t ON t.oid = p.type_oid
    JOIN pg_opclass oc ON oc.opcintype = t.oid AND oc.opcdefault
    JOIN pg_am am ON am.oid = oc.opcmethod AND am.amname = 'hash'
    JOIN pg_amproc ap ON ap.amprocfamily = oc.opcfamily
                     AND ap.amproclefttype = t.oid AND ap.amprocrighttype = t.oid
    WHERE ap.amproc IN (SELECT oid FROM user_functions)
)
SELECT DISTINCT c.schema_name, c.table_name, c.column_name,
       f.type_name, f.kind, f.function
FROM columns c
JOIN found f ON f.root = c.type_oid
ORDER BY 1, 2, 3, 4, 5
