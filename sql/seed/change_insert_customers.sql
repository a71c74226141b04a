-- CDC burst: new customers (identity keys from the sequence).
-- Unqualified names: runs with search_path set to the sample schema.
INSERT INTO customers (external_ref, email, full_name, phone, marketing_opt_in, created_at)
SELECT ref::uuid, email, full_name, phone, opt_in, clock_timestamp()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[])
     AS t(ref, email, full_name, phone, opt_in)
RETURNING customer_id::text AS k1;
