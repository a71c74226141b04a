-- Exact row counts of the six sample tables.
-- Unqualified names: runs with search_path set to the sample schema.
SELECT 'categories' AS table_name, count(*) AS row_count FROM categories
UNION ALL SELECT 'customers', count(*) FROM customers
UNION ALL SELECT 'products', count(*) FROM products
UNION ALL SELECT 'inventory', count(*) FROM inventory
UNION ALL SELECT 'orders', count(*) FROM orders
UNION ALL SELECT 'order_items', count(*) FROM order_items;
