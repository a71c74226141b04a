-- Whether the schema ($1) exists at all (an empty table list could mean either).
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present
