-- CDC burst: orders from key $1 on, $2 rows: enum status, NULL <-> '' notes.
UPDATE shop.orders o
SET status = CASE o.status WHEN 'pending' THEN 'paid'::shop.order_status
                           WHEN 'paid' THEN 'pending'::shop.order_status
                           ELSE o.status END,
    notes  = CASE WHEN o.notes IS NULL THEN '' WHEN o.notes = '' THEN $3 ELSE NULL END
WHERE o.order_id IN (SELECT order_id FROM shop.orders WHERE order_id >= $1
                     ORDER BY order_id LIMIT $2)
RETURNING o.order_id::text;
