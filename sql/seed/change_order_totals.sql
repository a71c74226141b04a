-- Recompute the totals of the given orders from their lines.
-- Unqualified names: runs with search_path set to the sample schema.
UPDATE orders o
SET total = coalesce((SELECT round(sum(i.quantity * i.unit_price * (1 - i.discount)), 2)
                      FROM order_items i WHERE i.order_id = o.order_id), 0)
WHERE o.order_id = ANY($1::bigint[]);
