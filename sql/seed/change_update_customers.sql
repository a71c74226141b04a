-- CDC burst: customers from key $1 on, $2 rows: phone NULL -> '' -> NULL.
UPDATE shop.customers c
SET phone = CASE WHEN c.phone IS NULL THEN '' WHEN c.phone = '' THEN NULL ELSE c.phone || ' ext. 1' END,
    loyalty_points = c.loyalty_points + 7
WHERE c.customer_id IN (SELECT customer_id FROM shop.customers WHERE customer_id >= $1
                        ORDER BY customer_id LIMIT $2)
RETURNING c.customer_id::text;
