-- The session's logging settings back to the server's.
RESET log_statement;
RESET log_min_error_statement;
