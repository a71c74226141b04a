-- Logical replication slots of the source database: the candidates for the
-- migration's slot.
SELECT slot_name::text AS slot_name
FROM pg_replication_slots
WHERE slot_type = 'logical' AND database = current_database()
ORDER BY slot_name
