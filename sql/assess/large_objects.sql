-- Large objects in this database (never replicated, by DMS or logical replication).
SELECT count(*)::int8 AS large_objects FROM pg_largeobject_metadata;
