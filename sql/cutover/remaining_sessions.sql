-- Client sessions of the roles $1 still connected to this database.
SELECT count(*)::int8 AS sessions
FROM pg_stat_activity a
WHERE a.usename = ANY ($1::text[])
  AND a.datname = current_database()
  AND a.backend_type = 'client backend'
  AND a.pid <> pg_backend_pid();
