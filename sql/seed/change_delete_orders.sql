-- CDC burst: delete $2 orders from key $1 on, with their lines (explicitly, so
-- every deleted key is reported, not left to ON DELETE CASCADE).
-- Unqualified names: runs with search_path set to the sample schema.
WITH victims AS (
    SELECT order_id FROM orders WHERE order_id >= $1 ORDER BY order_id LIMIT $2
), items AS (
    DELETE FROM order_items i USING victims v WHERE i.order_id = v.order_id
    RETURNING i.order_id, i.line_no
), orders AS (
    DELETE FROM orders o USING victims v WHERE o.order_id = v.order_id
    RETURNING o.order_id
)
SELECT 'order_items' AS table_name, order_id::text AS k1, line_no::text AS k2 FROM items
UNION ALL
SELECT 'orders', order_id::text, NULL FROM orders;
