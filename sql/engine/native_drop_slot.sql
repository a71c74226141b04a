-- Drop replication slot $1 if it is there (no row when it is not).
SELECT pg_drop_replication_slot(slot_name) IS NULL AS dropped
FROM pg_replication_slots
WHERE slot_name = $1;
