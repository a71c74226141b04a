-- Release the lock taken by lock_session.sql ($1: lock key).
SELECT pg_advisory_unlock($1);
