-- CDC burst: inventory from key $1 on, $2 rows; microsecond timestamps.
-- Unqualified names: runs with search_path set to the sample schema.
UPDATE inventory i
SET quantity = i.quantity + 1,
    last_counted_at = clock_timestamp()
WHERE i.product_id IN (SELECT product_id FROM inventory WHERE product_id >= $1
                       ORDER BY product_id LIMIT $2)
RETURNING i.product_id::text AS k1;
