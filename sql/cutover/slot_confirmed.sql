-- Has the subscriber confirmed the position $2 on the slot $1? (NULL row
-- values: the slot has confirmed nothing yet.)
SELECT confirmed_flush_lsn::text                                   AS confirmed,
       coalesce(confirmed_flush_lsn >= $2::text::pg_lsn, false)    AS reached
FROM pg_replication_slots
WHERE slot_name = $1;
