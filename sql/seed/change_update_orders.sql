-- CDC burst: orders from key $1 on, $2 rows: enum status, NULL <-> '' notes.
-- Unqualified names: runs with search_path set to the sample schema.
UPDATE orders o
SET status = CASE o.status WHEN 'pending' THEN 'paid'::order_status
                           WHEN 'paid' THEN 'pending'::order_status
                           ELSE o.status END,
    notes  = CASE WHEN o.notes IS NULL THEN '' WHEN o.notes = '' THEN $3 ELSE NULL END
WHERE o.order_id IN (SELECT order_id FROM orders WHERE order_id >= $1
                     ORDER BY order_id LIMIT $2)
RETURNING o.order_id::text AS k1;
