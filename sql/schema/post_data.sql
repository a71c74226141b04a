-- dmsflow sample e-commerce schema, part 2 of 2: keys, indexes, foreign keys.
-- Applied after the bulk load. These are the "secondary objects" AWS DMS does not
-- create on the target; the validator checks every one of them.
-- Names are unqualified: run it with search_path set to the sample schema.

ALTER TABLE categories  ADD CONSTRAINT categories_pkey  PRIMARY KEY (category_id);
ALTER TABLE customers   ADD CONSTRAINT customers_pkey   PRIMARY KEY (customer_id);
ALTER TABLE products    ADD CONSTRAINT products_pkey    PRIMARY KEY (product_id);
ALTER TABLE inventory   ADD CONSTRAINT inventory_pkey   PRIMARY KEY (product_id);
ALTER TABLE orders      ADD CONSTRAINT orders_pkey      PRIMARY KEY (order_id);
ALTER TABLE order_items ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, line_no);

ALTER TABLE categories ADD CONSTRAINT categories_slug_key UNIQUE (slug);
ALTER TABLE customers  ADD CONSTRAINT customers_external_ref_key UNIQUE (external_ref);
ALTER TABLE products   ADD CONSTRAINT products_sku_key UNIQUE (sku);

CREATE INDEX customers_email_lower_idx  ON customers (lower(email));
CREATE INDEX products_category_idx      ON products (category_id);
CREATE INDEX products_tags_gin_idx      ON products USING gin (tags);
CREATE INDEX orders_customer_ordered_idx ON orders (customer_id, ordered_at DESC);
CREATE INDEX orders_open_status_idx     ON orders (status) WHERE status IN ('pending', 'paid');
CREATE INDEX order_items_product_idx    ON order_items (product_id);

ALTER TABLE categories  ADD CONSTRAINT categories_parent_fkey
    FOREIGN KEY (parent_id) REFERENCES categories (category_id);
ALTER TABLE products    ADD CONSTRAINT products_category_fkey
    FOREIGN KEY (category_id) REFERENCES categories (category_id);
ALTER TABLE inventory   ADD CONSTRAINT inventory_product_fkey
    FOREIGN KEY (product_id) REFERENCES products (product_id) ON DELETE CASCADE;
ALTER TABLE orders      ADD CONSTRAINT orders_customer_fkey
    FOREIGN KEY (customer_id) REFERENCES customers (customer_id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_fkey
    FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE;
ALTER TABLE order_items ADD CONSTRAINT order_items_product_fkey
    FOREIGN KEY (product_id) REFERENCES products (product_id);
