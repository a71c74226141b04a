-- Every validator session, before anything else. Read-only by construction,
-- and every setting that changes a value's text form pinned, so both sides
-- render (and hash) values the same way whatever their defaults.
SET default_transaction_read_only = on;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SET client_encoding = 'UTF8';
SET lc_monetary = 'C';
SET standard_conforming_strings = on;
-- Only pg_catalog on the path: unqualified functions in our queries cannot be
-- shadowed by objects in the validated schema.
SET search_path = pg_catalog;
