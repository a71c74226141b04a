-- Create the subscription's slot from here, not through CREATE SUBSCRIPTION:
-- a subscription creating its slot in its own cluster waits for itself
-- forever. Waits for running transactions (bounded by statement_timeout).
SELECT lsn::text AS lsn
FROM pg_create_logical_replication_slot($1, 'pgoutput');
