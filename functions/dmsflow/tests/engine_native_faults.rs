//! Faults of the native engine (issue 12, defects 1, 2, 5, 7) against the
//! real local clusters: a source and a target in one cluster, nothing waits
//! without a bound, stop touches only this migration's objects, a failing
//! subscription keeps the password out of the target's server log and is not
//! retried, a copy never goes into tables that hold rows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::native::{engine, poll_until, with_cleanup};
use common::*;
use dmsflow::config::Side;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::native::NativeEngine;
use dmsflow::engine::{MigrationEngine, Outcome, Phase, StartRequest, TableState};
use dmsflow::error::{Classify, ErrorType};
use dmsflow::seed;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn source_admin() -> ConnectSpec {
    source_cluster().with_dbname("postgres")
}

async fn slots(like: &str) -> i64 {
    query_i64(
        &source_admin(),
        &format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{like}'"),
    )
    .await
}

/// Drop the subscriptions of database `db` on `cluster` (they block DROP DATABASE).
async fn drop_subscriptions(cluster: &ConnectSpec, db: &str) {
    let exists = query_i64(
        &cluster.with_dbname("postgres"),
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{db}'"),
    )
    .await;
    if exists == 0 {
        return;
    }
    let client = cluster
        .with_dbname(db)
        .connect("dmsflow-test")
        .await
        .unwrap();
    let subs = client
        .query("SELECT subname::text FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()", &[])
        .await
        .unwrap();
    for row in subs {
        let name = dmsflow::db::quote_ident(&row.get::<_, String>(0));
        client
            .batch_execute(&format!("ALTER SUBSCRIPTION {name} DISABLE; ALTER SUBSCRIPTION {name} SET (slot_name = NONE); DROP SUBSCRIPTION {name}"))
            .await
            .unwrap();
    }
}

/// Source `eng_<name>` with the sample, target `eng_<name>` with its empty schema.
async fn sample_pair(name: &str) -> (ConnectSpec, ConnectSpec) {
    let db = format!("eng_{name}");
    clear_leftovers(&db).await;
    let source = sample_db(&source_cluster(), &db).await;
    let target = fresh_db(&target_cluster(), &db).await;
    seed::create_schema(&target, Side::Target)
        .await
        .expect("schema on the target");
    (source, target)
}

/// A superuser of the source cluster with a password of its own (so a
/// search for it in a log finds nothing else).
async fn own_role(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let password = format!("pw-{name}-{nanos}");
    exec(
        &source_admin(),
        &format!(
            "DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN SUPERUSER PASSWORD '{password}'"
        ),
    )
    .await;
    password
}

/// Defect 1: the slot is created apart from the subscription, so a target
/// database in the source's own cluster replicates instead of hanging.
#[tokio::test]
async fn source_and_target_in_one_cluster_replicate_without_hanging() {
    drop_subscriptions(&source_cluster(), "eng_same_tgt").await;
    clear_leftovers("eng_same_src").await;
    let source = sample_db(&source_cluster(), "eng_same_src").await;
    let target = fresh_db(&source_cluster(), "eng_same_tgt").await;
    seed::create_schema(&target, Side::Target).await.unwrap();
    let one_cluster = engine("same", &source, &target, "shop");
    with_cleanup(&one_cluster, async {
        let engine = &one_cluster;
        let started = tokio::time::timeout(
            Duration::from_secs(60),
            engine.start(&StartRequest::default()),
        )
        .await
        .expect("start returned within 60 s")
        .expect("start");
        assert_eq!(started.outcome, Outcome::Created, "{}", started.message);
        poll_until(engine, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;
        assert_eq!(
            sample_fingerprint(&source).await,
            sample_fingerprint(&target).await
        );
        let stopped = tokio::time::timeout(Duration::from_secs(60), engine.stop())
            .await
            .expect("stop returned within 60 s")
            .expect("stop");
        assert_eq!(stopped.outcome, Outcome::Stopped, "{}", stopped.message);
        assert_eq!(slots("sub\\_same%").await, 0);
    })
    .await;
    // Source and target the same database: its tables hold rows, so start
    // refuses at once and creates nothing.
    let same = engine("samedb", &source, &source, "shop");
    let err = tokio::time::timeout(
        Duration::from_secs(30),
        same.start(&StartRequest::default()),
    )
    .await
    .expect("start returned")
    .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
    assert!(err.to_string().contains("already hold rows"), "{err}");
    assert_eq!(slots("sub\\_samedb").await, 0);
    assert_eq!(
        query_i64(
            &source,
            "SELECT count(*) FROM pg_publication WHERE pubname = 'pub_samedb'"
        )
        .await,
        0
    );
}

/// Defect 1: another holder of the migration's lock makes start fail within
/// the lock timeout instead of waiting for it.
#[tokio::test]
async fn a_held_lock_makes_start_fail_within_the_lock_timeout() {
    clear_leftovers("eng_busy").await;
    let source = fresh_db(&source_cluster(), "eng_busy").await;
    let target = fresh_db(&target_cluster(), "eng_busy").await;
    let ddl = "CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY)";
    exec(&source, ddl).await;
    exec(&target, ddl).await;
    let mut engine = engine("busy", &source, &target, "app");
    engine.limits.lock_timeout = Duration::from_secs(1);
    let holder = target.connect("dmsflow-test").await.unwrap();
    holder
        .batch_execute("SELECT pg_advisory_lock(hashtext('dmsflow-native'), hashtext('sub_busy'))")
        .await
        .unwrap();
    let began = Instant::now();
    let err = tokio::time::timeout(
        Duration::from_secs(30),
        engine.start(&StartRequest::default()),
    )
    .await
    .expect("start returned")
    .unwrap_err();
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
    assert!(
        err.to_string().contains("another dmsflow start or stop"),
        "{err}"
    );
    assert_eq!(
        query_i64(&source, "SELECT count(*) FROM pg_publication").await,
        0
    );
}

/// Defect 2: stop against another target with the same names leaves a live
/// (disabled) migration's slot and publication alone, and says why.
#[tokio::test]
async fn stop_from_another_target_leaves_a_live_migration_alone() {
    let (source, target_a) = sample_pair("own").await;
    drop_subscriptions(&target_cluster(), "eng_own_b").await;
    let target_b = fresh_db(&target_cluster(), "eng_own_b").await;
    seed::create_schema(&target_b, Side::Target).await.unwrap();
    let a = engine("own", &source, &target_a, "shop");
    let b = engine("own", &source, &target_b, "shop");
    with_cleanup(&a, async {
        a.start(&StartRequest::default()).await.unwrap();
        poll_until(&a, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;
        exec(&target_a, "ALTER SUBSCRIPTION sub_own DISABLE").await;
        let err = b.stop().await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("publication pub_own") && text.contains("not this migration's"),
            "{text}"
        );
        assert_eq!(
            slots("sub\\_own").await,
            1,
            "the live migration's slot is still there"
        );
        assert_eq!(
            query_i64(
                &source,
                "SELECT count(*) FROM pg_publication WHERE pubname = 'pub_own'"
            )
            .await,
            1
        );
        let err = b.start(&StartRequest::default()).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
        let resumed = a.start(&StartRequest::default()).await.unwrap();
        assert_eq!(resumed.outcome, Outcome::Resumed, "{}", resumed.message);
        poll_until(&a, Duration::from_secs(60), "in-sync again", |p| {
            p.phase == Phase::InSync
        })
        .await;
    })
    .await;
    assert_eq!(slots("sub\\_own").await, 0);

    // A slot of the name with no publication of this migration: refused.
    exec(
        &source,
        "SELECT pg_create_logical_replication_slot('sub_foreign', 'pgoutput')",
    )
    .await;
    let foreign = engine("foreign", &source, &target_b, "shop");
    let err = foreign.stop().await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
    assert!(
        err.to_string().contains("replication slot sub_foreign"),
        "{err}"
    );
    assert_eq!(slots("sub\\_foreign").await, 1);
    exec(&source, "SELECT pg_drop_replication_slot('sub_foreign')").await;
}

/// Defect 5: a subscription whose connection fails keeps the password out
/// of the target's server log, is a ConfigError (not retried), and leaves
/// nothing behind.
#[tokio::test]
async fn a_failing_subscription_keeps_the_password_out_of_the_server_log() {
    let (source, target) = sample_pair("pwlog").await;
    let password = own_role("eng_pwlog_role").await;
    let source = source.with_user("eng_pwlog_role", &password);
    let mut engine = engine("pwlog", &source, &target, "shop");
    let mut settings = engine.settings().clone();
    settings.source_sslrootcert = Some(PathBuf::from("/nonexistent/dmsflow-ca.pem"));
    engine = NativeEngine::new(source.clone(), target.clone(), settings);
    let err = engine.start(&StartRequest::default()).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::ConfigError, "{err}");
    assert!(!err.error_type().is_transient());
    let chain = dmsflow::error::error_chain(&err);
    assert!(
        chain.contains("sub_pwlog") && !chain.contains(&password),
        "{chain}"
    );
    let log_path = PathBuf::from(env_or_panic("DMSFLOW_PG_DIR")).join("target/server.log");
    // The server writes its log asynchronously to our session.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("could not connect to the publisher"),
        "the failure is logged"
    );
    assert!(
        log.contains("\"sub_pwlog\" REFRESH PUBLICATION"),
        "failing statements are logged"
    );
    assert!(
        !log.contains(&password),
        "the password is in {}",
        log_path.display()
    );
    assert_eq!(
        query_i64(
            &target,
            "SELECT count(*) FROM pg_subscription WHERE subname = 'sub_pwlog'"
        )
        .await,
        0
    );
    assert_eq!(slots("sub\\_pwlog").await, 0);
    assert_eq!(
        query_i64(
            &source,
            "SELECT count(*) FROM pg_publication WHERE pubname = 'pub_pwlog'"
        )
        .await,
        0
    );
}

/// Defect 7: start refuses target tables that hold rows, and creates nothing.
#[tokio::test]
async fn start_refuses_a_target_that_holds_rows() {
    clear_leftovers("eng_full").await;
    let source = sample_db(&source_cluster(), "eng_full").await;
    let target = sample_db(&target_cluster(), "eng_full").await;
    exec(
        &target,
        "TRUNCATE shop.order_items, shop.orders, shop.inventory, shop.products, shop.customers",
    )
    .await;
    let engine = engine("full", &source, &target, "shop");
    with_cleanup(&engine, async {
        let err = engine.start(&StartRequest::default()).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("categories") && !text.contains("orders"),
            "{text}"
        );
        assert_eq!(
            query_i64(&source, "SELECT count(*) FROM pg_publication").await,
            0
        );
        assert_eq!(slots("sub\\_full").await, 0);
        exec(&target, "TRUNCATE shop.categories CASCADE").await;
        let ok = engine.start(&StartRequest::default()).await.unwrap();
        assert_eq!(ok.outcome, Outcome::Created, "{}", ok.message);
    })
    .await;
}

/// Defect 7: rows that reach a target table before its copy make the copy
/// fail at every retry; poll says `failed`, the table errored, and why.
#[tokio::test]
async fn rows_arriving_before_the_copy_make_poll_say_failed() {
    let (source, target) = sample_pair("conflict").await;
    let engine = engine("conflict", &source, &target, "shop");
    let holder = target.connect("dmsflow-test").await.unwrap();
    holder
        .batch_execute(
            "BEGIN; INSERT INTO shop.categories (category_id, name, slug) VALUES (1, 'x', 'x')",
        )
        .await
        .unwrap();
    with_cleanup(&engine, async {
        let started = engine.start(&StartRequest::default()).await.unwrap();
        assert_eq!(started.outcome, Outcome::Created);
        holder.batch_execute("COMMIT").await.unwrap();
        let p = poll_until(&engine, Duration::from_secs(60), "failed", |p| {
            p.phase == Phase::Failed
        })
        .await;
        assert_eq!(p.status, "copy-failed", "{p:?}");
        assert!(p.tables.errored >= 1, "{p:?}");
        let table = p
            .table_states
            .iter()
            .find(|t| t.table == "categories")
            .unwrap();
        assert_eq!(table.state, TableState::Errored);
        assert!(
            table
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("duplicate keys"),
            "{table:?}"
        );
        assert!(
            p.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("shop.categories"),
            "{p:?}"
        );
    })
    .await;
    assert_eq!(slots("sub\\_conflict").await, 0);
}
