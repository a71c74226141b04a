-- Terminate the client sessions of the roles $1 in this database, waiting up
-- to $2 ms for each to be gone (its open transaction is rolled back).
SELECT a.pid                                     AS pid,
       a.usename::text                           AS role,
       pg_terminate_backend(a.pid, $2::int8)     AS terminated
FROM pg_stat_activity a
WHERE a.usename = ANY ($1::text[])
  AND a.datname = current_database()
  AND a.backend_type = 'client backend'
  AND a.pid <> pg_backend_pid();
