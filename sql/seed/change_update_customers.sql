-- CDC burst: customers from key $1 on, $2 rows: phone NULL -> '' -> NULL.
-- Unqualified names: runs with search_path set to the sample schema.
UPDATE customers c
SET phone = CASE WHEN c.phone IS NULL THEN '' WHEN c.phone = '' THEN NULL ELSE c.phone || ' ext. 1' END,
    loyalty_points = c.loyalty_points + 7
WHERE c.customer_id IN (SELECT customer_id FROM customers WHERE customer_id >= $1
                        ORDER BY customer_id LIMIT $2)
RETURNING c.customer_id::text AS k1;
