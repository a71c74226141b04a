-- Bound the statements of the current transaction ($1 = e.g. '5000ms').
SELECT set_config('statement_timeout', $1, true) AS statement_timeout;
