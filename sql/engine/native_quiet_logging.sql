-- Keep the next statement (it holds the source password) out of the server
-- log: neither logged as DDL nor as the statement of an error. Needs a
-- superuser (both are superuser-only settings); refused otherwise.
SELECT set_config('log_statement', 'none', false)            AS log_statement,
       set_config('log_min_error_statement', 'panic', false) AS log_min_error_statement;
