-- The roles a `roles` / `read-only` fence would touch ($1), what each can do
-- now, and whether it is the role this session runs as (never fenced).
SELECT r.rolname::text                                        AS role,
       r.rolsuper                                             AS superuser,
       r.rolcanlogin                                          AS can_login,
       (r.rolname = current_user OR r.rolname = session_user) AS is_self
FROM pg_roles r
WHERE r.rolname = ANY ($1::text[])
ORDER BY r.rolname;
