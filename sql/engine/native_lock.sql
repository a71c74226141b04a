-- One dmsflow start/stop per subscription $1 at a time (waits at most lock_timeout).
SELECT pg_advisory_lock(hashtext('dmsflow-native'), hashtext($1)) IS NULL AS locked;
