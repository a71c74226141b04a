-- Does schema $1 exist in this database?
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present;
