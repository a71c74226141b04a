-- The source WAL position of a re-read, as the first statement of its
-- REPEATABLE READ transaction: every commit the snapshot sees ends at or
-- before it. The insert position, not the write position: with
-- synchronous_commit off a visible commit may not be written yet.
SELECT pg_current_wal_insert_lsn()::text AS lsn
