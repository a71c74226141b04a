-- Serialise seeds of one database until this transaction ends ($1: lock key).
SELECT pg_advisory_xact_lock($1);
