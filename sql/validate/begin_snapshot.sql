-- Every validator transaction: one consistent, read-only snapshot.
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY
