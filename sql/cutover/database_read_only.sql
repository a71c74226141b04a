-- This database's own default_transaction_read_only setting (ALTER DATABASE …
-- SET), NULL when it has none: what the read-only fence restores.
SELECT (SELECT substr(s, length('default_transaction_read_only=') + 1)
        FROM pg_db_role_setting d, unnest(d.setconfig) AS s
        WHERE d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND d.setrole = 0
          AND s LIKE 'default\_transaction\_read\_only=%'
        LIMIT 1) AS previous;
