-- The size of the current database in bytes.
SELECT current_database()::text AS database_name,
       pg_database_size(current_database())::int8 AS size_bytes;
