-- Does the sample schema ($1) exist?
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present;
