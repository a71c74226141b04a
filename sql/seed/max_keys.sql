-- Largest keys, to pick change targets from.
SELECT coalesce((SELECT max(customer_id) FROM shop.customers), 0) AS max_customer,
       coalesce((SELECT max(product_id) FROM shop.products), 0)   AS max_product,
       coalesce((SELECT max(order_id) FROM shop.orders), 0)       AS max_order;
