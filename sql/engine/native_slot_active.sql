-- Is a walsender using slot $1? No row when the slot does not exist.
SELECT active AS active
FROM pg_replication_slots
WHERE slot_name = $1;
