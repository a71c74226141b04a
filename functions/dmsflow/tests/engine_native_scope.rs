//! The native engine on a database we did not design (the legacy fixture:
//! four schemas, a partitioned table, key-less tables, sequences used only
//! through defaults), with the default selection: every user schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::legacy::{legacy_db, legacy_schema_only, Copy};
use common::native::{poll_until, with_cleanup};
use dmsflow::engine::native::{NativeEngine, NativeSettings};
use dmsflow::engine::sequences::sync_sequences;
use dmsflow::engine::{EngineError, MigrationEngine, Phase, StartRequest};
use dmsflow::scope::Scope;
use dmsflow::validate::model::Status;
use dmsflow::validate::{ValidateOptions, Validator};
use std::path::PathBuf;
use std::time::Duration;

fn engine(source: &dmsflow::db::ConnectSpec, target: &dmsflow::db::ConnectSpec) -> NativeEngine {
    let mut engine = NativeEngine::new(
        source.clone(),
        target.clone(),
        NativeSettings {
            scope: Scope::default(),
            publication: "pub_scope".into(),
            subscription: "sub_scope".into(),
            source_sslmode: "verify-full".into(),
            source_sslrootcert: Some(PathBuf::from(common::env_or_panic("DMSFLOW_PG_CA"))),
        },
    );
    engine.slot_release_timeout = Duration::from_secs(20);
    engine
}

#[tokio::test]
async fn every_schema_is_replicated_and_proven_identical() {
    common::clear_leftovers("native_scope_tgt").await;
    let (source_cluster, target_cluster) = (common::source_cluster(), common::target_cluster());
    let (source, target) = tokio::join!(
        legacy_db(&source_cluster, "native_scope_src", Copy::Full),
        legacy_schema_only(&target_cluster, "native_scope_tgt"),
    );
    let engine = engine(&source, &target);

    // Key-less tables would make every UPDATE/DELETE on them fail once
    // published: refused, each named with its schema, nothing created.
    let err = engine.start(&StartRequest::default()).await.unwrap_err();
    let EngineError::NoReplicaIdentity { tables } = &err else {
        panic!("expected NoReplicaIdentity, got {err}");
    };
    assert!(
        tables.contains("stock.readings") && tables.contains("audit.log"),
        "{tables}"
    );
    common::exec(
        &source,
        "ALTER TABLE stock.readings REPLICA IDENTITY FULL; ALTER TABLE audit.log REPLICA IDENTITY FULL;",
    )
    .await;

    with_cleanup(&engine, async {
        engine.start(&StartRequest::default()).await.expect("start");
        poll_until(&engine, Duration::from_secs(180), "in sync", |p| p.phase == Phase::InSync).await;
        // Changes in three schemas after the copy, one through a partition.
        common::exec(
            &source,
            "INSERT INTO sales.payments (payment_id, paid_at, customer_id, amount) VALUES (99001, '2026-02-10 10:00+00', 1, 5);
             UPDATE stock.items SET qty = qty + 1 WHERE item_id = 1;
             INSERT INTO stock.readings VALUES ('s-new', 1.5, now()::timestamp);",
        )
        .await;
        poll_until(&engine, Duration::from_secs(60), "changes applied", |p| {
            p.phase == Phase::InSync && p.cdc_lag_bytes == Some(0)
        })
        .await;
        // What logical replication never carries: sequences and materialized views.
        let synced = sync_sequences(&source, &target, &Scope::default()).await.unwrap();
        let names: Vec<&str> = synced.sequences.iter().map(|s| s.sequence.as_str()).collect();
        assert!(names.contains(&"util.document_no_seq"), "{names:?}");
        // (Refreshed on both sides: the source's is stale since the UPDATE
        // above, and the validator compares contents.)
        for side in [&source, &target] {
            common::exec(side, "REFRESH MATERIALIZED VIEW stock.stock_value;").await;
        }

        let options = ValidateOptions {
            rechecks: 2,
            settle: Duration::from_secs(1),
            ..Default::default()
        };
        let (plan, result) = Validator::new(source.clone(), target.clone(), options)
            .run(None, None)
            .await
            .unwrap();
        assert_eq!(plan.status, Status::Identical, "{plan:#?}");
        assert_eq!(result.status, Status::Identical, "{result:#?}");
        let tables: Vec<&str> = result.tables.iter().map(|t| t.table.as_str()).collect();
        for expected in ["audit.log", "sales.payments", "stock.readings", "stock.items"] {
            assert!(tables.contains(&expected), "{expected} in {tables:?}");
        }
        // The first plain insert on the target after the switch draws from
        // every default without colliding.
        common::exec(
            &target,
            "INSERT INTO sales.invoices (order_id, issued_on) VALUES (1, current_date);",
        )
        .await;
    })
    .await;
}
