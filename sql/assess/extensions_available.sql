-- Extensions this server can install, with the installed version if any.
SELECT name::text AS extension_name, default_version, installed_version
FROM pg_available_extensions
ORDER BY name;
