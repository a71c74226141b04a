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
         ALTER TYPE sales.order_state ADD VALUE 'returned';
         CREATE OR REPLACE FUNCTION util.touch() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
         ALTER FUNCTION audit.record() SECURITY INVOKER;",
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
        ("row_security", "row_security", "sales.customers"),
        ("types", "labels", "sales.order_state"),
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
