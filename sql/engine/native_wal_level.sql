SELECT current_setting('wal_level') AS wal_level;
