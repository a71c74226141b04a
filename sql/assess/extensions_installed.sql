-- Extensions installed in this database (plpgsql is always there).
SELECT extname::text AS extension_name, extversion AS version
FROM pg_extension
WHERE extname <> 'plpgsql'
ORDER BY extname;
