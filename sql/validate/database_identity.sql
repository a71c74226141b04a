-- Which database this session is in: the cluster's system identifier and the
-- database's oid. Equal on both sides means source and target are one database
-- (two databases of one cluster differ in oid).
SELECT (SELECT system_identifier FROM pg_control_system())::text AS system_identifier,
       d.oid::int8                                               AS database_oid
FROM pg_database d
WHERE d.datname = current_database()
