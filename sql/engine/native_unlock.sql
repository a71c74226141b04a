SELECT pg_advisory_unlock(hashtext('dmsflow-native'), hashtext($1)) AS unlocked;
