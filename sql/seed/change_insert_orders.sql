-- CDC burst: new orders for existing customers ($1: candidate customer ids;
-- each maps to the first existing customer at or after it).
-- Unqualified names: runs with search_path set to the sample schema.
INSERT INTO orders (customer_id, status, ordered_at, total, currency, shipping_address, notes)
SELECT (SELECT c.customer_id FROM customers c WHERE c.customer_id >= pick
        ORDER BY c.customer_id LIMIT 1),
       'pending', clock_timestamp(), 0, 'EUR',
       jsonb_build_object('city', city, 'lines', jsonb_build_array(note)), note
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(pick, city, note)
RETURNING order_id::text AS k1;
