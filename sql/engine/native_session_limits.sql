-- Bounds for every statement of this session: nothing the engine runs waits
-- forever ($1 statement and idle-in-transaction timeout, $2 lock timeout); its
-- DDL runs even where a cut-over's read-only fence made read-only the default.
SELECT set_config('statement_timeout', $1, false)                   AS statement_timeout,
       set_config('lock_timeout', $2, false)                        AS lock_timeout,
       set_config('idle_in_transaction_session_timeout', $1, false) AS idle_timeout,
       set_config('default_transaction_read_only', 'off', false)    AS read_only;
