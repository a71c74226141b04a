-- Slots a subscription leaves on the source: its own ($1) and the table-sync
-- slots of its copy workers (pg_<subscription oid>_sync_<relid>_<system id>, $2 = oid).
SELECT slot_name::text AS slot_name,
       active          AS active,
       active_pid      AS active_pid
FROM pg_replication_slots
WHERE slot_name = $1
   OR ($2::text IS NOT NULL AND slot_name LIKE 'pg\_' || $2::text || '\_sync\_%')
ORDER BY 1;
