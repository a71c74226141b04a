-- Enabled user triggers on the tables of schemas $1 (not the internal ones
-- behind foreign keys); enabled: O origin, R replica, A always.
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name,
       t.tgname::text AS trigger_name, t.tgenabled::text AS enabled
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[])
  AND NOT t.tgisinternal
  AND t.tgenabled <> 'D'
ORDER BY 1, 2, 3;
