-- The server's version, as a number (150004 = 15.4).
SELECT current_setting('server_version_num')::int4 AS server_version_num;
