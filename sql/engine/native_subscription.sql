-- Subscription $1 of the current database, with its apply worker (NULL pid
-- when none runs), error counters and comment (dmsflow's ownership marker).
-- Never reads subconninfo (it holds the source password, and only superusers
-- may read it).
SELECT s.oid::int8                          AS sub_oid,
       s.subenabled                         AS enabled,
       s.subslotname::text                  AS slot_name,
       s.subpublications::text[]            AS publications,
       w.pid                                AS worker_pid,
       w.received_lsn::text                 AS received_lsn,
       extract(epoch FROM now() - w.latest_end_time)::float8 AS seconds_since_confirmed,
       coalesce(st.apply_error_count, 0)::int8 AS apply_errors,
       coalesce(st.sync_error_count, 0)::int8  AS sync_errors,
       obj_description(s.oid, 'pg_subscription') AS marker
FROM pg_subscription s
LEFT JOIN pg_stat_subscription w ON w.subid = s.oid AND w.relid IS NULL
LEFT JOIN pg_stat_subscription_stats st ON st.subid = s.oid
WHERE s.subname = $1
  AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database());
