-- Where a committed burst left the source: its WAL position and the UTC time.
SELECT pg_current_wal_lsn()::text AS source_lsn,
       to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS committed_at;
