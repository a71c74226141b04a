-- The staging schema ($1) of a load, if it exists: its comment, the marker
-- that proves a dmsflow load created it (NULL when it has no comment).
SELECT obj_description(oid, 'pg_namespace') AS marker FROM pg_namespace WHERE nspname = $1;
