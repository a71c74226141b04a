-- Every assessment session, before anything else: read-only by construction,
-- and only pg_catalog on the path so no object in a user schema can shadow a
-- function these queries call.
SET default_transaction_read_only = on;
SET search_path = pg_catalog;
