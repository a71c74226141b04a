-- Prepared (two-phase) transactions waiting anywhere on the server.
SELECT gid::text AS gid, database::text AS database, owner::text AS owner,
       extract(epoch FROM now() - prepared)::int8 AS age_seconds
FROM pg_prepared_xacts
ORDER BY prepared;
