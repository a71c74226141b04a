-- Serialise seeds of one database until unlock_session.sql ($1: lock key);
-- a load spans several transactions.
SELECT pg_advisory_lock($1);
