-- Exact row counts of the six sample tables.
SELECT 'categories' AS table_name, count(*) AS row_count FROM shop.categories
UNION ALL SELECT 'customers', count(*) FROM shop.customers
UNION ALL SELECT 'products', count(*) FROM shop.products
UNION ALL SELECT 'inventory', count(*) FROM shop.inventory
UNION ALL SELECT 'orders', count(*) FROM shop.orders
UNION ALL SELECT 'order_items', count(*) FROM shop.order_items;
