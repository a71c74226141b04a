-- The cut-over's own sessions write (fence, unfence) even when the read-only
-- fence made read-only transactions this database's default.
SELECT set_config('default_transaction_read_only', 'off', false) AS read_only;
