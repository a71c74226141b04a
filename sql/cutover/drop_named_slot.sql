-- Drop replication slot $1 on the source once nothing streams from it (the
-- DMS task is stopped): one row per slot dropped (none: not there, or still
-- active). The select list runs only for the row the WHERE keeps.
SELECT slot_name::text                          AS slot_name,
       pg_drop_replication_slot(slot_name)::text AS dropped
FROM pg_replication_slots
WHERE slot_name = $1 AND NOT active AND database = current_database();
