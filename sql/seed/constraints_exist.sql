-- Have the sample's keys been added in schema $1 (post_data.sql applied)?
SELECT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
               WHERE n.nspname = $1 AND c.conname = 'orders_pkey') AS present;
