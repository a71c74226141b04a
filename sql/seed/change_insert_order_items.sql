-- CDC burst: lines of the new orders ($3: candidate product ids, mapped to the
-- first existing product at or after each), then the orders' totals.
-- Unqualified names: runs with search_path set to the sample schema.
WITH picked AS (
    SELECT o, l, q, d,
           (SELECT p.product_id FROM products p WHERE p.product_id >= pick
            ORDER BY p.product_id LIMIT 1) AS product_id
    FROM unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::integer[], $5::numeric[])
         AS t(o, l, pick, q, d)
)
INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, discount)
SELECT o, l, picked.product_id, q, p.price, d
FROM picked JOIN products p ON p.product_id = picked.product_id
RETURNING order_id::text AS k1, line_no::text AS k2;
