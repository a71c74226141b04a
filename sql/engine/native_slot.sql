-- Replication slot $1 on the source: is it there, is a walsender using it,
-- how much WAL the subscriber has not confirmed (lag) and how much the slot
-- holds back (retained; an abandoned slot grows this until the disk is full).
-- replay_lag is the walsender's own measure (NULL when idle or not visible).
-- database and plugin tell whether a slot could be this migration's.
SELECT pg_current_wal_lsn()::text                        AS current_lsn,
       s.slot_name IS NOT NULL                           AS present,
       coalesce(s.active, false)                         AS active,
       s.active_pid                                      AS active_pid,
       greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::int8 AS lag_bytes,
       greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn), 0)::int8         AS retained_bytes,
       s.wal_status::text                                AS wal_status,
       extract(epoch FROM r.replay_lag)::float8          AS replay_lag_seconds,
       s.database::text                                  AS database,
       s.plugin::text                                    AS plugin
FROM (SELECT 1) AS one
LEFT JOIN pg_replication_slots s ON s.slot_name = $1
LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid;
