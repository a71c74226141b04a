-- Largest keys, to pick change targets from.
-- Unqualified names: runs with search_path set to the sample schema.
SELECT coalesce((SELECT max(customer_id) FROM customers), 0) AS max_customer,
       coalesce((SELECT max(product_id) FROM products), 0)   AS max_product,
       coalesce((SELECT max(order_id) FROM orders), 0)       AS max_order;
