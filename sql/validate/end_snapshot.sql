-- End a validator transaction: read-only, so nothing to commit and nothing kept.
ROLLBACK
