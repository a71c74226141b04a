-- Replication slots on this server and the WAL each one holds back. An inactive
-- slot keeps WAL forever: the classic way a forgotten migration fills a disk.
SELECT slot_name::text                                                   AS slot_name,
       slot_type::text                                                   AS slot_type,
       database::text                                                    AS database,
       active                                                            AS active,
       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::int8 AS retained_wal_bytes,
       wal_status::text                                                  AS wal_status
FROM pg_replication_slots
ORDER BY slot_name;
