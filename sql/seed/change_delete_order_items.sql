-- CDC burst: delete the last line of $2 orders (from key $1 on) that have more than one.
-- Unqualified names: runs with search_path set to the sample schema.
DELETE FROM order_items i
USING (SELECT order_id, max(line_no) AS line_no FROM order_items
       WHERE order_id >= $1 GROUP BY order_id HAVING count(*) > 1
       ORDER BY order_id LIMIT $2) last_line
WHERE i.order_id = last_line.order_id AND i.line_no = last_line.line_no
RETURNING i.order_id::text AS k1, i.line_no::text AS k2;
