//! Faults during CDC of the native engine (issue 12, fault suite) against the
//! real local clusters: the replication slot dropped behind dmsflow's back
//! makes poll say `failed` naming the slot, never `in-sync`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::config::Side;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::native::{NativeEngine, NativeSettings};
use dmsflow::engine::{MigrationEngine, Phase, Progress, StartRequest};
use dmsflow::seed;
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn engine(name: &str, source: &ConnectSpec, target: &ConnectSpec) -> NativeEngine {
    let mut engine = NativeEngine::new(
        source.clone(),
        target.clone(),
        NativeSettings {
            scope: dmsflow::scope::Scope::only(&["shop"]),
            publication: format!("pub_{name}"),
            subscription: format!("sub_{name}"),
            source_sslmode: "verify-full".into(),
            source_sslrootcert: Some(PathBuf::from(env_or_panic("DMSFLOW_PG_CA"))),
        },
    );
    engine.slot_release_timeout = Duration::from_secs(20);
    engine
}

/// Run `body`, then clear what the migration left, then re-raise a panic.
async fn with_cleanup<F: Future<Output = ()>>(db: &str, engine: &NativeEngine, body: F) {
    let outcome = AssertUnwindSafe(body).catch_unwind().await;
    if let Err(e) = engine.stop().await {
        eprintln!("cleanup: stop failed: {e}");
    }
    clear_leftovers(db).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn poll_until(
    engine: &NativeEngine,
    limit: Duration,
    what: &str,
    done: impl Fn(&Progress) -> bool,
) -> Progress {
    let deadline = Instant::now() + limit;
    loop {
        let p = engine.poll(5.0).await.expect("poll");
        if done(&p) {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "{what} not reached within {limit:?}; last progress: {}",
            serde_json::to_string_pretty(&p).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Source `eng_<name>` with the sample, target `eng_<name>` with its empty schema.
async fn sample_pair(name: &str) -> (String, ConnectSpec, ConnectSpec) {
    let db = format!("eng_{name}");
    clear_leftovers(&db).await;
    let source = sample_db(&source_cluster(), &db).await;
    let target = fresh_db(&target_cluster(), &db).await;
    seed::create_schema(&target, Side::Target)
        .await
        .expect("schema on the target");
    (db, source, target)
}

/// Drop slot `slot` on the source even while the subscription's walsender
/// holds it (terminate it, drop before the worker reconnects; retried).
async fn drop_slot_behind_its_back(slot: &str) {
    let admin = source_cluster()
        .with_dbname("postgres")
        .connect("dmsflow-test")
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        admin
            .execute(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                 WHERE slot_name = $1 AND active_pid IS NOT NULL",
                &[&slot],
            )
            .await
            .unwrap();
        let dropped = admin
            .execute("SELECT pg_drop_replication_slot($1)", &[&slot])
            .await;
        match dropped {
            Ok(_) => return,
            Err(e) => assert!(Instant::now() < deadline, "cannot drop slot {slot}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_slot_dropped_behind_dmsflows_back_makes_poll_fail_naming_it() {
    let (db, source, target) = sample_pair("slotgone").await;
    let engine = engine("slotgone", &source, &target);
    with_cleanup(&db, &engine, async {
        let request = StartRequest {
            test_connections: false,
            reload_target: false,
        };
        engine.start(&request).await.expect("start");
        poll_until(&engine, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;

        drop_slot_behind_its_back("sub_slotgone").await;
        // Every poll from now on: failed, the slot named; never in-sync.
        let until = Instant::now() + Duration::from_secs(8);
        let mut polls = 0;
        while Instant::now() < until {
            let p = engine.poll(5.0).await.expect("poll");
            let shown = serde_json::to_string_pretty(&p).unwrap();
            assert_eq!(p.phase, Phase::Failed, "{shown}");
            assert_eq!(p.status, "slot-missing", "{shown}");
            let error = p.last_error.as_deref().unwrap_or_default();
            assert!(
                error.contains("replication slot sub_slotgone does not exist"),
                "{shown}"
            );
            polls += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(polls >= 5, "{polls} polls");
    })
    .await;
}
