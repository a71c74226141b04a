-- Event triggers of this database; enabled: O origin, R replica, A always, D disabled.
SELECT evtname::text AS trigger_name, evtevent::text AS event_name, evtenabled::text AS enabled
FROM pg_event_trigger
ORDER BY evtname;
