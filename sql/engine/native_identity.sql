-- Which cluster and database this is: the ownership marker names the target
-- by these, so another target's stop cannot claim this migration's objects.
SELECT c.system_identifier::text AS system_identifier,
       d.oid::int8               AS database_oid
FROM pg_control_system() c,
     pg_database d
WHERE d.datname = current_database();
