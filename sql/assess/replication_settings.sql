-- The source's replication settings and what is already used of them.
-- Durations in milliseconds, sizes in kB (-1 = unlimited for max_slot_wal_keep_size,
-- which is in MB in pg_settings: converted here).
SELECT
    current_setting('server_version_num')::int4 AS server_version_num,
    current_setting('wal_level') AS wal_level,
    current_setting('max_replication_slots')::int4 AS max_replication_slots,
    (SELECT count(*)::int4 FROM pg_replication_slots) AS used_replication_slots,
    current_setting('max_wal_senders')::int4 AS max_wal_senders,
    (SELECT count(*)::int4 FROM pg_stat_replication) AS used_wal_senders,
    (SELECT CASE WHEN setting::int8 < 0 THEN -1 ELSE setting::int8 * 1024 END
       FROM pg_settings WHERE name = 'max_slot_wal_keep_size') AS max_slot_wal_keep_size_kb,
    (SELECT setting::int8 FROM pg_settings WHERE name = 'wal_sender_timeout') AS wal_sender_timeout_ms,
    (SELECT setting::int8 FROM pg_settings WHERE name = 'logical_decoding_work_mem') AS logical_decoding_work_mem_kb;
