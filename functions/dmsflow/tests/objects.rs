//! Object kinds beyond tables (views, triggers, functions, …) read from real
//! PostgreSQL catalogs and compared: the identical copy of the legacy fixture
//! shows no difference; each injected difference is found, naming the object.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::legacy::{legacy_pair, Copy, SCHEMAS};
use dmsflow::db::ConnectSpec;
use dmsflow::validate::objects::{self, kinds, ObjectDiff};

async fn diffs(source: &ConnectSpec, target: &ConnectSpec, kind: &str) -> Vec<ObjectDiff> {
    let kind = kinds::kind(kind).expect("known kind");
    let schemas: Vec<String> = SCHEMAS.iter().map(|s| (*s).to_owned()).collect();
    let (s, t) = (
        source.connect("dmsflow-test").await.unwrap(),
        target.connect("dmsflow-test").await.unwrap(),
    );
    let (s_rows, t_rows) = tokio::join!(
        objects::read(&s, kind, &schemas),
        objects::read(&t, kind, &schemas)
    );
    objects::compare(&s_rows.unwrap(), &t_rows.unwrap(), kind.ignored)
}

fn has(diffs: &[ObjectDiff], wanted: &str, identity: &str) -> bool {
    diffs.iter().any(|d| {
        d.identity() == identity
            && match (d, wanted) {
                (ObjectDiff::Missing { .. }, "missing") | (ObjectDiff::Extra { .. }, "extra") => {
                    true
                }
                (ObjectDiff::Different { property, .. }, p) => property == p,
                _ => false,
            }
    })
}

#[tokio::test]
async fn identical_copy_has_no_object_difference() {
    let (source, target) = legacy_pair("objects_same", Copy::Full).await;
    for kind in kinds::KINDS {
        let found = diffs(&source, &target, kind.name).await;
        assert!(found.is_empty(), "{}: {found:?}", kind.name);
    }
}

#[tokio::test]
async fn each_injected_difference_is_found_by_its_kind() {
    let (source, target) = legacy_pair("objects_diff", Copy::Full).await;
    common::exec(
        &target,
        "DROP TRIGGER orders_audit ON sales.orders;
         ALTER TABLE sales.customers DISABLE TRIGGER customers_touch;
         REFRESH MATERIALIZED VIEW stock.stock_value WITH NO DATA;
         DROP VIEW sales.customer_orders;
         DROP FUNCTION util.order_total(bigint);
         ALTER DOMAIN util.money_amount DROP CONSTRAINT money_amount_check;
         GRANT SELECT ON sales.invoices TO fixture_reporting;
         CREATE TABLE sales.payments_2027_01 PARTITION OF sales.payments
             FOR VALUES FROM ('2027-01-01 00:00+00') TO ('2027-02-01 00:00+00');
         ALTER TABLE sales.customers DISABLE ROW LEVEL SECURITY;
         ALTER TYPE util.address ADD ATTRIBUTE country text;
         CREATE OR REPLACE FUNCTION util.touch() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
         ALTER FUNCTION audit.record() SECURITY INVOKER;
         DROP INDEX sales.payments_2026_01_amount_idx;
         ALTER TABLE sales.payments_2026_03 DROP CONSTRAINT payments_2026_03_order_fk;",
    )
    .await;
    let cases = [
        ("triggers", "missing", "sales.orders.orders_audit"),
        ("triggers", "enabled", "sales.customers.customers_touch"),
        ("materialized_views", "populated", "stock.stock_value"),
        ("views", "missing", "sales.customer_orders"),
        ("functions", "missing", "util.order_total(p_order bigint)"),
        ("functions", "body_md5", "util.touch()"),
        ("functions", "security_definer", "audit.record()"),
        ("domains", "constraints", "util.money_amount"),
        ("privileges", "grants", "table sales.invoices"),
        ("partitions", "extra", "sales.payments_2027_01"),
        ("partitions", "indexes", "sales.payments_2026_01"),
        ("partitions", "constraints", "sales.payments_2026_03"),
        ("row_security", "row_security", "sales.customers"),
        ("types", "attributes", "util.address"),
    ];
    for (kind, wanted, identity) in cases {
        let found = diffs(&source, &target, kind).await;
        assert!(
            has(&found, wanted, identity),
            "{kind}: expected {wanted} {identity}, found {found:?}"
        );
    }
    // A dropped object is never also reported as different, and nothing else moved.
    let views = diffs(&source, &target, "views").await;
    assert_eq!(views.len(), 1, "{views:?}");
}

#[tokio::test]
async fn a_dms_like_target_lists_every_missing_object() {
    let (source, target) = legacy_pair("objects_dms", Copy::DmsLike).await;
    let expected = [
        ("triggers", 3),
        ("views", 1),
        ("materialized_views", 1),
        ("functions", 6),
        ("row_security", 1),
    ];
    for (kind, count) in expected {
        let found = diffs(&source, &target, kind).await;
        let missing = found
            .iter()
            .filter(|d| matches!(d, ObjectDiff::Missing { .. }))
            .count();
        assert_eq!(missing, count, "{kind}: {found:?}");
    }
}

#[tokio::test]
async fn every_sequence_with_the_columns_that_draw_from_it() {
    let (source, _) = legacy_pair("objects_seq", Copy::Full).await;
    let client = source.connect("dmsflow-test").await.unwrap();
    let schemas: Vec<String> = SCHEMAS.iter().map(|s| (*s).to_owned()).collect();
    let seqs = dmsflow::sequence_catalog::read(&client, &schemas)
        .await
        .unwrap();
    let by_name = |n: &str| seqs.iter().find(|s| s.qualified() == n).expect(n);
    // Used only through DEFAULT nextval(), by two tables, owned by none.
    assert_eq!(
        by_name("util.document_no_seq").used_by,
        [
            "sales.credit_notes.document_no",
            "sales.invoices.invoice_no"
        ]
    );
    assert_eq!(by_name("util.document_no_seq").last_value, Some(10600));
    assert_eq!(
        by_name("stock.items_item_id_seq").used_by,
        ["stock.items.item_id"]
    );
    assert_eq!(
        by_name("sales.orders_order_id_seq").used_by,
        ["sales.orders.order_id"]
    );
    let maxima =
        dmsflow::sequence_catalog::column_maxima(&client, &by_name("util.document_no_seq").used_by)
            .await
            .unwrap();
    assert_eq!(maxima["sales.invoices.invoice_no"], Some(5600));
    assert_eq!(maxima["sales.credit_notes.document_no"], Some(9040));
}

fn options(schema: &str) -> dmsflow::validate::ValidateOptions {
    dmsflow::validate::ValidateOptions {
        scope: dmsflow::validate::scope::Scope::only(&[schema]),
        rechecks: 0,
        settle: std::time::Duration::ZERO,
        ..Default::default()
    }
}

/// The whole validator over each schema of an identical copy: identical,
/// partitioned table, materialized view and key-less tables included.
#[tokio::test]
async fn the_validator_finds_an_identical_legacy_copy_identical() {
    use dmsflow::validate::model::Status;
    use dmsflow::validate::Validator;
    let (source, target) = legacy_pair("objects_validator_same", Copy::Full).await;
    // (`util` holds functions and types only: no table to compare.)
    for schema in ["sales", "stock", "audit"] {
        let (plan, result) = Validator::new(source.clone(), target.clone(), options(schema))
            .run(None, None)
            .await
            .unwrap();
        assert_eq!(plan.status, Status::Identical, "{schema}: {plan:#?}");
        assert_eq!(result.status, Status::Identical, "{schema}: {result:#?}");
    }
}

/// Through the validator: the cases a legacy schema hides.
#[tokio::test]
async fn the_validator_reports_what_a_legacy_target_lacks() {
    use dmsflow::validate::model::{CheckStatus, Status};
    use dmsflow::validate::Validator;
    let (source, target) = legacy_pair("objects_validator_diff", Copy::Full).await;
    common::exec(
        &target,
        "SELECT setval('util.document_no_seq', 100);
         ALTER TABLE sales.orders DISABLE TRIGGER orders_audit;
         DROP INDEX sales.payments_2026_01_amount_idx;
         UPDATE stock.items SET qty = qty + 1 WHERE item_id = 7;
         REFRESH MATERIALIZED VIEW stock.stock_value;",
    )
    .await;
    let (plan, result) = Validator::new(source.clone(), target.clone(), options("sales"))
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(
        plan.checks.objects["triggers"].status,
        CheckStatus::Fail,
        "{plan:#?}"
    );
    assert_eq!(plan.checks.objects["partitions"].status, CheckStatus::Fail);
    // A sequence owned by no column, behind on the target: judged with the
    // tables whose DEFAULT draws from it.
    let invoices = result
        .tables
        .iter()
        .find(|t| t.table == "invoices")
        .unwrap();
    assert_eq!(invoices.status, Status::Different, "{invoices:#?}");
    assert!(
        invoices
            .checks
            .sequences
            .findings
            .iter()
            .any(|f| f.object.contains("util.document_no_seq")),
        "{invoices:#?}"
    );
    // The materialized view's contents differ from the source's.
    let (_, stock) = Validator::new(source, target, options("stock"))
        .run(None, None)
        .await
        .unwrap();
    let mv = stock
        .tables
        .iter()
        .find(|t| t.table == "stock_value")
        .expect("matview compared");
    assert_eq!(mv.status, Status::Different, "{mv:#?}");
}

/// sync-sequences covers exactly what the validator checks — sequences used
/// only through DEFAULT nextval included — and never leaves one below a
/// column's maximum; afterwards a plain insert on the target succeeds.
#[tokio::test]
async fn sync_sequences_then_validate_then_insert_on_the_target() {
    use dmsflow::engine::sequences::sync_sequences;
    use dmsflow::validate::model::Status;
    use dmsflow::validate::Validator;
    let (source, target) = legacy_pair("objects_sync", Copy::Full).await;
    // What a full load leaves: sequences where the schema put them, not
    // where the data is.
    common::exec(
        &target,
        "SELECT setval('util.document_no_seq', 10000, false);
         SELECT setval('sales.invoice_id_seq', 1, false);
         SELECT setval('sales.orders_order_id_seq', 1, false);",
    )
    .await;
    let (_, before) = Validator::new(source.clone(), target.clone(), options("sales"))
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(before.status, Status::Different, "{before:#?}");

    let synced = sync_sequences(&source, &target, &dmsflow::scope::Scope::only(&["sales"]))
        .await
        .unwrap();
    let names: Vec<&str> = synced
        .sequences
        .iter()
        .map(|s| s.sequence.as_str())
        .collect();
    assert_eq!(names, ["sales.invoice_id_seq", "sales.orders_order_id_seq"]);
    let synced_util = sync_sequences(&source, &target, &dmsflow::scope::Scope::only(&["util"]))
        .await
        .unwrap();
    assert_eq!(synced_util.sequences[0].sequence, "util.document_no_seq");
    assert_eq!(synced_util.sequences[0].target_after, 10600);

    let (plan, after) = Validator::new(source.clone(), target.clone(), options("sales"))
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(plan.status, Status::Identical, "{plan:#?}");
    assert_eq!(after.status, Status::Identical, "{after:#?}");
    // The first insert after cut-over draws from every default without colliding.
    common::exec(
        &target,
        "INSERT INTO sales.invoices (order_id, issued_on) VALUES (1, current_date);
         INSERT INTO sales.orders (customer_id, state, total, placed_at) VALUES (1, 'draft', 1, now());",
    )
    .await;
}

/// A row the target holds past the source's counter (written there by
/// mistake, or replicated after the source's value was read): the target
/// sequence is raised to the column's maximum, never left below it.
#[tokio::test]
async fn sync_sequences_never_leaves_a_sequence_below_its_column() {
    use dmsflow::engine::sequences::sync_sequences;
    let (source, target) = legacy_pair("objects_sync_max", Copy::Full).await;
    common::exec(
        &target,
        "INSERT INTO sales.credit_notes (credit_note_id, document_no, amount) VALUES (999, 20000, 1);",
    )
    .await;
    let synced = sync_sequences(&source, &target, &dmsflow::scope::Scope::only(&["util"]))
        .await
        .unwrap();
    assert_eq!(synced.sequences[0].source_last_value, 10600);
    assert_eq!(synced.sequences[0].target_after, 20000);
    common::exec(
        &target,
        "INSERT INTO sales.credit_notes (credit_note_id, amount) VALUES (1000, 2);",
    )
    .await;
}
