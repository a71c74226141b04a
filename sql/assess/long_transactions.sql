-- Transactions open for more than $1 seconds, anywhere on the server.
SELECT pid::int4 AS pid,
       coalesce(datname::text, '') AS database,
       coalesce(usename::text, '') AS "user",
       coalesce(state, '') AS state,
       extract(epoch FROM now() - xact_start)::int8 AS age_seconds
FROM pg_stat_activity
WHERE xact_start IS NOT NULL
  AND pid <> pg_backend_pid()
  AND now() - xact_start > make_interval(secs => $1::float8)
ORDER BY xact_start;
