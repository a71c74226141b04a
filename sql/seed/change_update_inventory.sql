-- CDC burst: inventory from key $1 on, $2 rows; microsecond timestamps.
UPDATE shop.inventory i
SET quantity = i.quantity + 1,
    last_counted_at = clock_timestamp()
WHERE i.product_id IN (SELECT product_id FROM shop.inventory WHERE product_id >= $1
                       ORDER BY product_id LIMIT $2)
RETURNING i.product_id::text;
