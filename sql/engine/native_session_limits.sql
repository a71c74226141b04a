-- Bounds for every statement of this session: nothing the engine runs waits
-- forever ($1 statement and idle-in-transaction timeout, $2 lock timeout).
SELECT set_config('statement_timeout', $1, false)                   AS statement_timeout,
       set_config('lock_timeout', $2, false)                        AS lock_timeout,
       set_config('idle_in_transaction_session_timeout', $1, false) AS idle_timeout;
