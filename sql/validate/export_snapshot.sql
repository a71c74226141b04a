-- The lead session's snapshot, for the worker sessions to import.
SELECT pg_export_snapshot() AS snapshot
