//! The validator against two real PostgreSQL clusters: identical databases
//! pass; every kind of difference, injected one at a time, is reported at the
//! right table, key and column; schema and sequence drift is named; it is
//! read-only; it never says "identical" when it could not look.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::contract::validate::RecheckBasis;
use dmsflow::db::ConnectSpec;
use dmsflow::error::{Classify, ErrorType};
use dmsflow::validate::model::{CheckStatus, Status, TableResult, TablesResult};
use dmsflow::validate::{Progress, TableRequest, ValidateOptions, ValidationMode, Validator};
use std::time::Duration;

fn options() -> ValidateOptions {
    ValidateOptions {
        // Small chunks so even scale 1 spans several chunks and the range
        // localisation is exercised.
        chunk_rows: 64,
        rechecks: 0,
        settle: Duration::from_millis(100),
        ..ValidateOptions::default()
    }
}

async fn validate_all(s: &ConnectSpec, t: &ConnectSpec, opts: ValidateOptions) -> TablesResult {
    Validator::new(s.clone(), t.clone(), opts)
        .run(None, None)
        .await
        .unwrap()
        .1
}

fn table<'a>(r: &'a TablesResult, name: &str) -> &'a TableResult {
    r.tables
        .iter()
        .find(|t| t.table == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
}

/// Apply SQL on the target as a replica would (no FK triggers), like DMS does.
async fn on_target(t: &ConnectSpec, sql: &str) {
    exec(t, &format!("SET session_replication_role = replica; {sql}")).await;
}

#[tokio::test]
async fn identical_databases_pass_every_check() {
    let (s, t) = identical_pair("v_identical").await;
    let (plan, result) = Validator::new(s, t, options())
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(plan.status, Status::Identical, "{plan:#?}");
    assert_eq!(result.status, Status::Identical, "{result:#?}");
    assert_eq!(result.tables.len(), 6);
    assert_eq!(result.rows_compared, 990);
    for t in &result.tables {
        assert_eq!(t.status, Status::Identical, "{t:#?}");
        assert_eq!(t.source_rows, t.target_rows);
        for (name, check) in t.checks.iter() {
            assert_eq!(
                check.status,
                CheckStatus::Pass,
                "{}: {name}: {check:?}",
                t.table
            );
        }
    }
    // Chunks really were several (order_items: 530 rows / 64).
    assert!(
        result
            .tables
            .iter()
            .any(|t| t.checks.checksum.message.contains("9 chunk")),
        "{result:#?}"
    );
}

/// One injected data difference and where it must be reported.
struct Case {
    name: &'static str,
    sql: &'static str,
    table: &'static str,
    key: &'static [&'static str],
    kind: &'static str,
    column: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case { name: "microsecond", sql: "UPDATE shop.orders SET ordered_at = ordered_at + interval '1 microsecond' WHERE order_id = 5",
        table: "orders", key: &["5"], kind: "changed", column: Some("ordered_at") },
    Case { name: "numeric_20th_digit", sql: "UPDATE shop.products SET weight_kg = weight_kg + 1e-22 WHERE product_id = (SELECT min(product_id) FROM shop.products WHERE scale(weight_kg) >= 22)",
        table: "products", key: &[], kind: "changed", column: Some("weight_kg") },
    Case { name: "numeric_scale", sql: "UPDATE shop.products SET weight_kg = round(weight_kg, 3)::numeric(20,4) WHERE product_id = (SELECT min(product_id) FROM shop.products WHERE scale(weight_kg) = 3)",
        table: "products", key: &[], kind: "changed", column: Some("weight_kg") },
    Case { name: "null_vs_empty", sql: "UPDATE shop.customers SET phone = '' WHERE customer_id = (SELECT min(customer_id) FROM shop.customers WHERE phone IS NULL)",
        table: "customers", key: &[], kind: "changed", column: Some("phone") },
    Case { name: "comma_in_text", sql: "UPDATE shop.customers SET full_name = replace(full_name, ' ', ',') WHERE customer_id = 3",
        table: "customers", key: &["3"], kind: "changed", column: Some("full_name") },
    Case { name: "quote_in_text", sql: "UPDATE shop.categories SET name = name || '''' WHERE category_id = 2",
        table: "categories", key: &["2"], kind: "changed", column: Some("name") },
    Case { name: "jsonb_nested_key", sql: "UPDATE shop.products SET attributes = jsonb_set(attributes, '{dims_cm,w}', '0.5') WHERE product_id = 7",
        table: "products", key: &["7"], kind: "changed", column: Some("attributes") },
    Case { name: "array_element", sql: "UPDATE shop.products SET tags = array_append(tags, 'sale') WHERE product_id = 8",
        table: "products", key: &["8"], kind: "changed", column: Some("tags") },
    Case { name: "one_byte_of_a_lob", sql: "UPDATE shop.products SET description = overlay(description PLACING 'Q' FROM 40000 FOR 1) WHERE product_id = 42",
        table: "products", key: &["42"], kind: "changed", column: Some("description") },
    Case { name: "enum_value", sql: "UPDATE shop.orders SET status = CASE WHEN status = 'paid' THEN 'pending'::shop.order_status ELSE 'paid'::shop.order_status END WHERE order_id = 11",
        table: "orders", key: &["11"], kind: "changed", column: Some("status") },
    Case { name: "uuid", sql: "UPDATE shop.customers SET external_ref = '00000000-0000-4000-8000-000000000001' WHERE customer_id = 9",
        table: "customers", key: &["9"], kind: "changed", column: Some("external_ref") },
    Case { name: "deleted_row", sql: "DELETE FROM shop.order_items WHERE order_id = 33 AND line_no = 2",
        table: "order_items", key: &["33", "2"], kind: "missing", column: None },
    Case { name: "extra_row", sql: "INSERT INTO shop.inventory (product_id, quantity) VALUES (100000, 1)",
        table: "inventory", key: &["100000"], kind: "extra", column: None },
];

#[tokio::test]
async fn every_data_difference_is_found_at_its_key_and_column() {
    // The cases run side by side, each in its own pair of databases.
    let results = futures_util::future::join_all(CASES.iter().map(|case| async move {
        let (s, t) = identical_pair(&format!("v_case_{}", case.name)).await;
        on_target(&t, case.sql).await;
        validate_all(&s, &t, options()).await
    }))
    .await;
    for (case, result) in CASES.iter().zip(results) {
        assert_eq!(
            result.status,
            Status::Different,
            "{}: {result:#?}",
            case.name
        );
        for other in &result.tables {
            if other.table != case.table {
                assert_eq!(
                    other.status,
                    Status::Identical,
                    "{}: {} should be untouched",
                    case.name,
                    other.table
                );
            }
        }
        let r = table(&result, case.table);
        assert_eq!(r.checks.checksum.status, CheckStatus::Fail, "{}", case.name);
        assert_eq!(
            r.differences.count, 1,
            "{}: {:#?}",
            case.name, r.differences
        );
        let diff = &r.differences.sample[0];
        assert_eq!(diff.kind, case.kind, "{}", case.name);
        if !case.key.is_empty() {
            let key: Vec<String> = case.key.iter().map(|k| (*k).to_owned()).collect();
            assert_eq!(diff.key.as_ref(), Some(&key), "{}", case.name);
        }
        match case.column {
            Some(col) => {
                assert_eq!(
                    diff.columns.len(),
                    1,
                    "{}: exactly one column differs: {:?}",
                    case.name,
                    diff.columns
                );
                assert_eq!(diff.columns[0].column, col, "{}", case.name);
                assert_ne!(
                    diff.columns[0].source, diff.columns[0].target,
                    "{}",
                    case.name
                );
            }
            None => assert!(diff.columns.is_empty()),
        }
    }
}

#[tokio::test]
async fn values_swapped_between_rows_are_found() {
    // hash_record_extended alone is linear: a swap between two rows keeps the
    // sum of row hashes. The outer re-hash must catch it.
    let (s, t) = identical_pair("v_swap").await;
    on_target(
        &t,
        "UPDATE shop.orders o SET total = x.total FROM (SELECT order_id, total FROM shop.orders WHERE order_id IN (20, 21)) x
         WHERE (o.order_id, x.order_id) IN ((20, 21), (21, 20))",
    )
    .await;
    assert_ne!(
        query_string(
            &s,
            "SELECT total::text FROM shop.orders WHERE order_id = 20"
        )
        .await,
        query_string(
            &t,
            "SELECT total::text FROM shop.orders WHERE order_id = 20"
        )
        .await,
        "the swap must have changed something"
    );
    let result = validate_all(&s, &t, options()).await;
    let r = table(&result, "orders");
    assert_eq!(r.differences.count, 2, "{r:#?}");
    let keys: Vec<_> = r
        .differences
        .sample
        .iter()
        .map(|d| d.key.clone().unwrap())
        .collect();
    assert_eq!(keys, vec![vec!["20".to_owned()], vec!["21".to_owned()]]);
}

#[tokio::test]
async fn separator_collisions_do_not_hide_differences() {
    // data-diff concatenates with '|': ('a|b','c') and ('a','b|c') collide there.
    let (s, t) = identical_pair("v_separator").await;
    exec(
        &s,
        "UPDATE shop.categories SET name = 'a|b', description = 'c' WHERE category_id = 4",
    )
    .await;
    on_target(
        &t,
        "UPDATE shop.categories SET name = 'a', description = 'b|c' WHERE category_id = 4",
    )
    .await;
    let result = validate_all(&s, &t, options()).await;
    let r = table(&result, "categories");
    assert_eq!(r.differences.count, 1, "{r:#?}");
    let cols: Vec<_> = r.differences.sample[0]
        .columns
        .iter()
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(cols, vec!["name", "description"]);
}

#[tokio::test]
async fn truncated_lob_is_named_as_truncation() {
    let (s, t) = identical_pair("v_lob").await;
    // What DMS limited LOB mode does: every long value cut at the limit.
    on_target(&t, "UPDATE shop.products SET description = left(description, 32768) WHERE octet_length(description) > 32768").await;
    let result = validate_all(&s, &t, options()).await;
    let r = table(&result, "products");
    assert_eq!(r.checks.lob_lengths.status, CheckStatus::Fail, "{r:#?}");
    let f = &r.checks.lob_lengths.findings[0];
    assert_eq!(
        (f.kind.as_str(), f.object.as_str()),
        ("truncated", "column description")
    );
    assert!(
        r.differences
            .sample
            .iter()
            .all(|d| d.columns[0].kind == "truncated"),
        "{:#?}",
        r.differences
    );
    assert_eq!(r.differences.count, 2);
}

#[tokio::test]
async fn schema_drift_and_lagging_sequences_are_reported() {
    let (s, t) = identical_pair("v_schema").await;
    on_target(
        &t,
        "DROP INDEX shop.products_tags_gin_idx;
         ALTER TABLE shop.order_items DROP CONSTRAINT order_items_product_fkey;
         ALTER TABLE shop.inventory DROP CONSTRAINT inventory_reserved_le_quantity;
         ALTER TABLE shop.customers ALTER COLUMN marketing_opt_in SET DEFAULT true;
         ALTER TABLE shop.orders ALTER COLUMN total TYPE numeric;
         ALTER TABLE shop.categories ALTER COLUMN description DROP NOT NULL;
         SELECT setval('shop.customers_customer_id_seq', 10);",
    )
    .await;
    let result = validate_all(&s, &t, options()).await;
    let finding = |table_name: &str, check: &str| {
        let r = table(&result, table_name);
        let c = r
            .checks
            .iter()
            .find(|(n, _)| *n == check)
            .unwrap()
            .1
            .clone();
        assert_eq!(c.status, CheckStatus::Fail, "{table_name}.{check}: {c:?}");
        c.findings
    };
    let f = finding("products", "indexes");
    assert_eq!(
        (f[0].kind.as_str(), f[0].object.as_str()),
        ("missing", "index products_tags_gin_idx")
    );
    assert!(f[0].source.as_deref().unwrap().contains("USING gin (tags)"));
    let f = finding("order_items", "constraints");
    assert_eq!(
        (f[0].kind.as_str(), f[0].object.as_str()),
        ("missing", "foreign key order_items_product_fkey")
    );
    let f = finding("inventory", "constraints");
    assert_eq!(
        f[0].object,
        "check constraint inventory_reserved_le_quantity"
    );
    let f = finding("customers", "columns");
    assert_eq!(
        (f[0].detail.as_deref(), f[0].target.as_deref()),
        (Some("default"), Some("true"))
    );
    let f = finding("orders", "columns");
    assert_eq!(
        (f[0].source.as_deref(), f[0].target.as_deref()),
        (Some("numeric(12,2)"), Some("numeric"))
    );
    let f = finding("categories", "columns");
    assert_eq!(f[0].detail.as_deref(), Some("nullability"));
    let f = finding("customers", "sequences");
    assert_eq!(f[0].kind, "behind", "{f:?}");
    assert!(f[0].detail.as_deref().unwrap().contains("collide"));
    // The data itself is still compared exactly (numeric vs numeric(12,2) render the same).
    assert_eq!(
        table(&result, "orders").checks.checksum.status,
        CheckStatus::Pass
    );
}

#[tokio::test]
async fn a_sequence_behind_the_source_but_safe_is_still_different() {
    let (s, t) = identical_pair("v_seq_lag").await;
    exec(&s, "SELECT setval('shop.orders_order_id_seq', 500)").await;
    let result = validate_all(&s, &t, options()).await;
    let r = table(&result, "orders");
    assert_eq!(r.status, Status::Different);
    assert_eq!(r.checks.sequences.findings[0].kind, "different");
    // With the warn policy (CDC still running, sequences synced at cut-over).
    let opts = ValidateOptions {
        sequence_policy: dmsflow::validate::SequencePolicy::Warn,
        ..options()
    };
    let result = validate_all(&s, &t, opts).await;
    let r = table(&result, "orders");
    assert_eq!(
        (r.status, r.checks.sequences.status),
        (Status::Identical, CheckStatus::Warn)
    );
}

#[tokio::test]
async fn table_without_primary_key_is_a_multiset() {
    let (s, t) = identical_pair("v_nopk").await;
    let ddl = "CREATE TABLE shop.audit_log (at timestamptz, actor text, note text);
               INSERT INTO shop.audit_log SELECT timestamptz '2024-01-01' + g * interval '1 second', 'u' || (g % 3), 'n' || (g % 5) FROM generate_series(1, 500) g;
               INSERT INTO shop.audit_log SELECT * FROM shop.audit_log WHERE actor = 'u1' AND note = 'n1';";
    exec(&s, ddl).await;
    exec(&t, ddl).await;
    let result = validate_all(&s, &t, options()).await;
    assert_eq!(
        table(&result, "audit_log").status,
        Status::Identical,
        "{result:#?}"
    );
    // One row duplicated on the target: same set, different multiset.
    on_target(&t, "INSERT INTO shop.audit_log SELECT * FROM shop.audit_log WHERE at = timestamptz '2024-01-01' + interval '7 seconds'").await;
    let result = validate_all(&s, &t, options()).await;
    let r = table(&result, "audit_log");
    assert_eq!(r.status, Status::Different);
    assert_eq!(r.differences.count, 1, "{r:#?}");
    let d = &r.differences.sample[0];
    assert_eq!(
        (d.kind.as_str(), d.source_count, d.target_count),
        ("duplicate", Some(1), Some(2))
    );
    assert!(
        d.columns
            .iter()
            .any(|c| c.column == "at" && c.source.as_deref() == Some("2024-01-01 00:00:07+00")),
        "{d:?}"
    );
}

#[tokio::test]
async fn the_validator_cannot_write() {
    let (_, t) = identical_pair("v_readonly").await;
    let session = dmsflow::validate::session::open_session(&t, "test", Duration::from_secs(5))
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE shop.sneaky (a int)",
        "INSERT INTO shop.categories (name, slug) VALUES ('x', 'x')",
        "UPDATE shop.orders SET total = 0",
        "SELECT setval('shop.orders_order_id_seq', 1)",
    ] {
        let err = session.batch_execute(sql).await.unwrap_err();
        assert!(
            err.to_string().contains("read-only") || format!("{err:?}").contains("read-only"),
            "{sql}: {err:?}"
        );
    }
    // (The validator's own transactions are also opened READ ONLY explicitly.)
    assert_eq!(
        query_i64(&t, "SELECT count(*) FROM shop.orders WHERE total = 0").await,
        0
    );
}

async fn read_only_role(spec: &ConnectSpec, role: &str, with_sequences: bool) -> ConnectSpec {
    let grants = format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
             CREATE ROLE {role} LOGIN PASSWORD 'ro-pass'; END IF; END $$;
         GRANT CONNECT ON DATABASE {db} TO {role};
         GRANT USAGE ON SCHEMA shop TO {role};
         GRANT SELECT ON ALL TABLES IN SCHEMA shop TO {role};
         {seq}",
        db = spec.dbname,
        seq = if with_sequences {
            format!("GRANT SELECT ON ALL SEQUENCES IN SCHEMA shop TO {role};")
        } else {
            String::new()
        },
    );
    exec(spec, &grants).await;
    spec.with_user(role, "ro-pass")
}

#[tokio::test]
async fn works_with_a_select_only_role_and_errors_without_access() {
    let (s, t) = identical_pair("v_role").await;
    let s_ro = read_only_role(&s, "dmsflow_ro", true).await;
    let t_ro = read_only_role(&t, "dmsflow_ro", true).await;
    let result = validate_all(&s_ro, &t_ro, options()).await;
    assert_eq!(result.status, Status::Identical, "{result:#?}");

    // A table the role may not read on the target: that table is `error`, the run fails.
    exec(&t, "REVOKE SELECT ON shop.inventory FROM dmsflow_ro").await;
    let result = validate_all(&s_ro, &t_ro, options()).await;
    assert_eq!(result.status, Status::Error);
    let r = table(&result, "inventory");
    assert_eq!(r.status, Status::Error);
    assert!(r.error.as_deref().unwrap().contains("permission"), "{r:?}");
    assert_eq!(table(&result, "orders").status, Status::Identical);
}

#[tokio::test]
async fn unreadable_sequences_are_an_error_not_a_pass() {
    let (s, t) = identical_pair("v_role_seq").await;
    let s_ro = read_only_role(&s, "dmsflow_ro_noseq", false).await;
    let t_ro = read_only_role(&t, "dmsflow_ro_noseq", false).await;
    let result = validate_all(&s_ro, &t_ro, options()).await;
    let r = table(&result, "orders");
    assert_eq!(r.checks.sequences.status, CheckStatus::Error, "{r:#?}");
    assert!(r.checks.sequences.message.contains("grant SELECT"));
    assert_eq!(result.status, Status::Error);
}

#[tokio::test]
async fn a_statement_timeout_makes_tables_error() {
    let (s, t) = identical_pair("v_timeout").await;
    let opts = ValidateOptions {
        statement_timeout: Duration::from_millis(1),
        ..options()
    };
    // The catalog reads may already time out (an error result), or the chunks
    // do (tables in error): either way, never identical.
    match Validator::new(s, t, opts).run(None, None).await {
        Ok((_, result)) => {
            assert_eq!(result.status, Status::Error, "{result:#?}");
        }
        Err(e) => assert_eq!(e.error_type(), ErrorType::DatabaseError, "{e}"),
    }
}

#[tokio::test]
async fn unknown_table_is_a_clear_error() {
    let (s, t) = identical_pair("v_unknown").await;
    let v = Validator::new(s, t, options());
    let err = v
        .validate(&[TableRequest {
            table: "orderz".into(),
            chunk: None,
        }])
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::UnknownTable);
    assert!(err.to_string().contains("orderz"), "{err}");
    // A hostile name is just an unknown table: it never reaches SQL.
    let err = v
        .validate(&[TableRequest {
            table: "orders; DROP TABLE shop.orders".into(),
            chunk: None,
        }])
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::UnknownTable);
}

#[tokio::test]
async fn rows_in_flight_settle_on_recheck() {
    let (s, t) = identical_pair("v_inflight").await;
    on_target(&t, "DELETE FROM shop.orders WHERE order_id = 150").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // These two databases share no replication slot: the key re-checks fall
    // back to the settle delay, and the result says so.
    let opts = ValidateOptions {
        rechecks: 2,
        settle: Duration::from_millis(3000),
        ..options()
    };
    let v = Validator::new(s.clone(), t.clone(), opts).with_progress(tx);
    let target = t.clone();
    // Ready before the run, so delivering it takes one INSERT.
    let src = fresh_copy_of_order_150().await;
    // "CDC" delivers the row while the validator waits to re-check it.
    let fixer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let Progress::RecheckRows { rows, .. } = event {
                assert_eq!(rows, 1, "only the differing key is re-checked");
                on_target(&target, &src).await;
                break;
            }
        }
    });
    let (_, result) = v.run(Some(&["orders".to_owned()]), None).await.unwrap();
    fixer.await.unwrap();
    let r = table(&result, "orders");
    assert_eq!(r.status, Status::Identical, "{r:#?}");
    assert_eq!((r.rechecks, r.settled_chunks), (1, 1));
    assert!(r.checks.checksum.message.contains("in flight"));
    let recheck = r.recheck.as_ref().expect("a re-check summary");
    assert_eq!(recheck.basis, RecheckBasis::Settle, "{recheck:?}");
    assert_eq!(recheck.settled_rows, 1);
    assert!(
        recheck.note.contains("no slot position"),
        "{}",
        recheck.note
    );
    assert_eq!(r.unverified.count, 0);

    // A difference that never settles persists through the re-checks.
    on_target(&t, "DELETE FROM shop.orders WHERE order_id = 151").await;
    let opts = ValidateOptions {
        rechecks: 2,
        settle: Duration::from_millis(200),
        ..options()
    };
    let (_, result) = Validator::new(s.clone(), t.clone(), opts)
        .run(Some(&["orders".to_owned()]), None)
        .await
        .unwrap();
    let r = table(&result, "orders");
    assert_eq!(
        (r.status, r.rechecks, r.settled_chunks),
        (Status::Different, 2, 0)
    );
    assert!(
        r.checks
            .checksum
            .message
            .contains("persisted after 2 re-check"),
        "{}",
        r.checks.checksum.message
    );
    assert_eq!(r.differences.count, 1);
    assert_eq!(r.differences.sample[0].key, Some(vec!["151".to_owned()]));

    // At rest: no re-check at all, the difference is final at once.
    let opts = ValidateOptions {
        rechecks: 2,
        mode: ValidationMode::AtRest,
        ..options()
    };
    let (_, result) = Validator::new(s, t, opts)
        .run(Some(&["orders".to_owned()]), None)
        .await
        .unwrap();
    assert_eq!(result.mode, ValidationMode::AtRest);
    let r = table(&result, "orders");
    assert_eq!(
        (r.status, r.rechecks, r.recheck.clone()),
        (Status::Different, 0, None)
    );
}

/// The INSERT that puts order 150 back exactly as the sample has it.
async fn fresh_copy_of_order_150() -> String {
    let reference = sample_db(&source_cluster(), "v_inflight_ref").await;
    query_string(
        &reference,
        "SELECT format('INSERT INTO shop.orders VALUES (%s, %s, %L, %L, %L, %s, %L, %L, %L)',
                 order_id, customer_id, status, ordered_at, shipped_at, total, currency, shipping_address, notes)
         FROM shop.orders WHERE order_id = 150",
    )
    .await
}

#[tokio::test]
async fn fan_out_chunks_cover_a_table_exactly_once() {
    let (s, t) = identical_pair("v_fanout").await;
    on_target(
        &t,
        "UPDATE shop.order_items SET quantity = quantity + 1 WHERE order_id = 170 AND line_no = 1",
    )
    .await;
    let opts = ValidateOptions {
        max_rows_per_item: 150,
        ..options()
    };
    let v = Validator::new(s, t, opts);
    let plan = v
        .plan(Some(&["order_items".to_owned()]), None)
        .await
        .unwrap();
    let items: Vec<_> = plan
        .work
        .iter()
        .filter(|w| w.table == "order_items")
        .collect();
    assert_eq!(items.len(), 4, "530 rows / 150 per item: {plan:#?}");
    let mut total_rows = 0;
    let mut found = Vec::new();
    for item in items {
        let r = v
            .validate(&[TableRequest {
                table: item.table.clone(),
                chunk: item.chunk.clone(),
            }])
            .await
            .unwrap();
        let tr = &r.tables[0];
        total_rows += tr.source_rows.unwrap();
        found.extend(tr.differences.sample.iter().map(|d| d.key.clone().unwrap()));
        if item.chunk.as_ref().unwrap().index > 0 {
            assert_eq!(tr.checks.columns.status, CheckStatus::Skipped);
        }
    }
    assert_eq!(total_rows, 530, "every row in exactly one chunk");
    assert_eq!(found, vec![vec!["170".to_owned(), "1".to_owned()]]);
}

#[tokio::test]
async fn missing_and_extra_tables_are_named() {
    let (s, t) = identical_pair("v_tableset").await;
    exec(&s, "CREATE TABLE shop.only_on_source (id int PRIMARY KEY)").await;
    exec(&t, "CREATE TABLE shop.only_on_target (id int PRIMARY KEY)").await;
    let (plan, result) = Validator::new(s, t, options())
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(plan.checks.table_set.status, CheckStatus::Fail);
    let objects: Vec<_> = plan
        .checks
        .table_set
        .findings
        .iter()
        .map(|f| (f.kind.as_str(), f.object.as_str()))
        .collect();
    assert_eq!(
        objects,
        vec![
            ("missing", "table only_on_source"),
            ("extra", "table only_on_target")
        ]
    );
    assert_eq!(table(&result, "only_on_source").status, Status::Different);
}

#[tokio::test]
async fn inactive_replication_slot_is_reported_with_its_wal() {
    let (s, t) = identical_pair("v_slot").await;
    let slot = "v_slot_forgotten";
    exec(
        &s,
        &format!("SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')"),
    )
    .await;
    let plan = Validator::new(s.clone(), t, options())
        .plan(None, None)
        .await
        .unwrap();
    let check = &plan.checks.replication_slots;
    let finding = check.findings.iter().find(|f| f.object.contains(slot));
    exec(&s, &format!("SELECT pg_drop_replication_slot('{slot}')")).await;
    assert_eq!(check.status, CheckStatus::Warn, "{check:?}");
    assert!(finding
        .unwrap()
        .detail
        .as_deref()
        .unwrap()
        .contains("of WAL"));
}
