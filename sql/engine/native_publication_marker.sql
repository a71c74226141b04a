-- Does publication $1 exist in this database, and its comment (dmsflow's
-- ownership marker, NULL when it has none).
SELECT obj_description(p.oid, 'pg_publication') AS marker
FROM pg_publication p
WHERE p.pubname = $1;
