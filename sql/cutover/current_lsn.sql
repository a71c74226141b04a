-- The source's WAL position now: after the fence, everything committed lies before it.
SELECT pg_current_wal_lsn()::text AS lsn;
