-- Has replication slot $1 on the source confirmed position $2 (the target
-- has applied and flushed every change up to it)? present = false: no slot.
SELECT s.slot_name IS NOT NULL                                   AS present,
       coalesce(s.active, false)                                 AS active,
       coalesce(s.confirmed_flush_lsn >= $2::text::pg_lsn, false) AS reached,
       s.confirmed_flush_lsn::text                               AS confirmed
FROM (SELECT 1) AS one
LEFT JOIN pg_replication_slots s ON s.slot_name = $1
