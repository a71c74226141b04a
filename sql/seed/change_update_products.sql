-- CDC burst: products from key $1 on, $2 rows. Grows the description (every
-- other one past 64 KB, a LOB for DMS) and edits a nested jsonb key.
-- Unqualified names: runs with search_path set to the sample schema.
UPDATE products p
SET description = CASE WHEN p.product_id % 2 = 0
                       THEN rpad(coalesce(p.description, ''), 70000 + (p.product_id % 997)::int, $3)
                       ELSE coalesce(p.description, '') || $3 END,
    attributes  = jsonb_set(p.attributes, '{dims_cm,w}', to_jsonb($4::numeric), true)
                  || jsonb_build_object('cdc_rev', coalesce((p.attributes ->> 'cdc_rev')::int, 0) + 1),
    tags        = array_append(p.tags, $5),
    updated_at  = clock_timestamp()
WHERE p.product_id IN (SELECT product_id FROM products WHERE product_id >= $1
                       ORDER BY product_id LIMIT $2)
RETURNING p.product_id::text AS k1;
