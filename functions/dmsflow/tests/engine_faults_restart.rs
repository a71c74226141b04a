//! Fault of the native engine during CDC (issue 12, fault suite): the source
//! PostgreSQL restarted (`pg_ctl stop -m fast`, then start). Poll answers
//! within its bounds during the outage, honestly (an error, never in-sync);
//! the subscription reconnects by itself; changes made after the restart
//! arrive; validate ends identical; stop cleans up. The source is a cluster
//! of this test's own (restarting the shared one would disturb other tests).
//! Every wait here is bounded: a hang fails naming the step.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::cluster::PrivateCluster;
use common::native::{engine, poll_until, with_cleanup};
use common::*;
use dmsflow::config::Side;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::{MigrationEngine, Phase, StartRequest};
use dmsflow::validate::model::Status;
use dmsflow::validate::{SequencePolicy, ValidateOptions, Validator};
use std::future::Future;
use std::time::{Duration, Instant};

/// `step` within `limit`, or a panic naming it.
async fn bounded<T>(limit: Duration, what: &str, step: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, step)
        .await
        .unwrap_or_else(|_| panic!("{what} did not return within {limit:?}"))
}

/// Wait until `sql` (a count) on `spec` reaches `want`.
async fn until_count(spec: &ConnectSpec, sql: &str, want: i64, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let n = bounded(Duration::from_secs(15), sql, query_i64(spec, sql)).await;
        if n == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{sql}: {n}, not {want}, after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

const CATEGORIES: &str = "SELECT count(*) FROM shop.categories";

async fn add_categories(source: &ConnectSpec, tag: &str, n: i64) {
    let sql = format!(
        "INSERT INTO shop.categories (name, slug) SELECT '{tag} ' || g, '{tag}-' || g FROM generate_series(1, {n}) g;
         UPDATE shop.products SET price = price + 1 WHERE product_id % 7 = 0;"
    );
    bounded(
        Duration::from_secs(30),
        "writing on the source",
        exec(source, &sql),
    )
    .await;
}

#[tokio::test]
async fn a_source_restarted_during_cdc_resumes_and_ends_identical() {
    let cluster = PrivateCluster::start("restart", true);
    let db = "eng_restart";
    clear_leftovers(db).await;
    let source = sample_db(&cluster.spec, db).await;
    let target = fresh_db(&target_cluster(), db).await;
    dmsflow::seed::create_schema(&target, Side::Target)
        .await
        .expect("schema on the target");
    let engine = engine("restart", &source, &target, "shop");
    with_cleanup(&engine, async {
        let request = StartRequest {
            test_connections: false,
            reload_target: false,
        };
        bounded(Duration::from_secs(60), "start", engine.start(&request))
            .await
            .expect("start");
        poll_until(&engine, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;
        // CDC flowing before the fault.
        let before = query_i64(&source, CATEGORIES).await;
        add_categories(&source, "before", 20).await;
        until_count(&target, CATEGORIES, before + 20, Duration::from_secs(60)).await;

        cluster.stop_fast();
        // The source is down: every poll answers within its bound, and never
        // says in-sync (it cannot see the slot).
        for _ in 0..4 {
            match bounded(
                Duration::from_secs(30),
                "poll during the outage",
                engine.poll(5.0),
            )
            .await
            {
                Ok(p) => assert_ne!(p.phase, Phase::InSync, "{p:#?}"),
                Err(e) => assert!(e.to_string().contains(&source.endpoint()), "{e}"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        cluster.start_again();

        // The subscription reconnects by itself; changes after the restart arrive.
        let after = query_i64(&source, CATEGORIES).await;
        add_categories(&source, "after", 30).await;
        until_count(&target, CATEGORIES, after + 30, Duration::from_secs(120)).await;
        poll_until(
            &engine,
            Duration::from_secs(120),
            "in-sync after the restart",
            |p| p.phase == Phase::InSync,
        )
        .await;

        let options = ValidateOptions {
            scope: dmsflow::scope::Scope::only(&["shop"]),
            // Logical replication carries no sequences; they are synced at cut-over.
            sequence_policy: SequencePolicy::Warn,
            settle: Duration::from_millis(500),
            ..ValidateOptions::default()
        };
        let validator = Validator::new(source.clone(), target.clone(), options);
        let (_, tables) = bounded(
            Duration::from_secs(180),
            "validate",
            validator.run(None, None),
        )
        .await
        .expect("validate");
        assert_eq!(tables.status, Status::Identical, "{tables:#?}");
        assert_eq!(
            sample_fingerprint(&source).await,
            sample_fingerprint(&target).await
        );

        bounded(Duration::from_secs(120), "stop", engine.stop())
            .await
            .expect("stop");
        let slots = query_i64(
            &cluster.spec.with_dbname("postgres"),
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'sub_restart'",
        )
        .await;
        let subscriptions = query_i64(
            &target,
            "SELECT count(*) FROM pg_subscription WHERE subname = 'sub_restart'",
        )
        .await;
        assert_eq!((slots, subscriptions), (0, 0), "stop leaves nothing behind");
    })
    .await;
}
