-- Slots the subscriptions of the target database stream from (never reads
-- subconninfo).
SELECT s.subslotname::text AS slot_name
FROM pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.subslotname IS NOT NULL
ORDER BY 1
