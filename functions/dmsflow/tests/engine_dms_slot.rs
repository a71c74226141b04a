//! The DMS engine's lag at its replication slot on the source: the DMS API
//! and CloudWatch are mocked (tests/common/dms.rs), the slot is real — a
//! logical slot on the local source cluster, consumed by PostgreSQL's own
//! streaming client `pg_recvlogical` the way DMS's walsender session is.
//! CloudWatch says 1 s of latency throughout: the slot decides whether the
//! target has the source's committed changes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::dms::*;
use common::pgbench::{pg_tool, url_for};
use common::{exec, fresh_db, query_i64, source_cluster};
use dmsflow::db::ConnectSpec;
use dmsflow::engine::dms::SourceSlot;
use dmsflow::engine::{MigrationEngine, Phase, Progress};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const DB: &str = "dms_slot";
const SLOT: &str = "dmsflow_test_dms_slot";
const OTHER_SLOT: &str = "dmsflow_test_dms_slot_other";

/// One poll of a running task past its full load, with CloudWatch at 1 s.
async fn poll(slot: SourceSlot) -> Progress {
    let d = describe(running(stats(100, 6, 0, 0, 0)));
    let t = table_stats(all_tables("Table completed"), None);
    let i = instance_rule();
    let l = latency_rule(Some(0.5), Some(0.5));
    engine(&[&d, &t, &i], &[&l])
        .with_source_slot(slot)
        .poll(5.0)
        .await
        .expect("poll")
}

fn slot(source: &ConnectSpec, name: Option<&str>) -> SourceSlot {
    SourceSlot {
        source: source.clone(),
        name: name.map(str::to_owned),
        max_bytes: 64 * 1024,
    }
}

/// Stream the slot and confirm what is received every second, as DMS does.
fn consume(dir: &std::path::Path) -> Child {
    Command::new(pg_tool("pg_recvlogical"))
        .args(["--slot", SLOT, "--start", "-s", "1", "-F", "1", "-f"])
        .arg(dir.join("changes.txt"))
        .args(["-d", &url_for("DMSFLOW_SOURCE_URL", DB)])
        .kill_on_drop(true)
        .spawn()
        .expect("pg_recvlogical")
}

/// Slots of this test left by an earlier run (a slot keeps its database from being dropped).
async fn drop_test_slots(admin: &ConnectSpec) {
    exec(
        admin,
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots \
         WHERE slot_name LIKE 'dmsflow_test_dms_slot%' AND active_pid IS NOT NULL",
    )
    .await;
    let started = Instant::now();
    while query_i64(
        admin,
        "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'dmsflow_test_dms_slot%' AND active",
    )
    .await
        > 0
    {
        assert!(started.elapsed() < Duration::from_secs(10), "slot still active");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    exec(
        admin,
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
         WHERE slot_name LIKE 'dmsflow_test_dms_slot%'",
    )
    .await;
}

/// Poll until `want` holds, at most 30 s.
async fn poll_until(slot_spec: &SourceSlot, want: impl Fn(&Progress) -> bool) -> Progress {
    let started = Instant::now();
    loop {
        let p = poll(slot_spec.clone()).await;
        if want(&p) {
            return p;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not reached in 30 s: {p:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn the_slot_decides_in_sync_when_cloudwatch_says_caught_up() {
    let admin = source_cluster().with_dbname("postgres");
    drop_test_slots(&admin).await;
    let source = fresh_db(&source_cluster(), DB).await;
    exec(&source, "CREATE TABLE t (id int PRIMARY KEY, v text)").await;
    exec(
        &source,
        &format!("SELECT pg_create_logical_replication_slot('{SLOT}', 'test_decoding')"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();

    // Streaming and confirming: in sync, with the bytes and a timed lag.
    let mut consumer = consume(dir.path());
    let p = poll_until(&slot(&source, None), |p| p.phase == Phase::InSync).await;
    let bytes = p.cdc_lag_bytes.expect("bytes read at the slot");
    assert!(bytes <= 64 * 1024, "{p:?}");
    assert!(
        p.cdc_lag_seconds.unwrap() >= 1.0,
        "CloudWatch's 1 s counts: {p:?}"
    );

    // The consumer stops; a burst commits. CloudWatch still says 1 s, but the
    // slot has not confirmed it: never in sync, the bytes say how far behind.
    consumer.kill().await.unwrap();
    consumer.wait().await.unwrap();
    exec(
        &source,
        "INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g",
    )
    .await;
    let behind = poll(slot(&source, Some(SLOT))).await;
    assert_eq!(behind.phase, Phase::CdcCatchingUp, "{behind:?}");
    assert!(
        behind.cdc_lag_bytes.unwrap() > 1_000_000,
        "a 20,000-row burst not confirmed: {behind:?}"
    );

    // Streaming again: it catches up and is in sync again.
    let mut consumer = consume(dir.path());
    let caught_up = poll_until(&slot(&source, Some(SLOT)), |p| p.phase == Phase::InSync).await;
    assert!(
        caught_up.cdc_lag_bytes.unwrap() <= 64 * 1024,
        "{caught_up:?}"
    );

    // Two slots and none named: nothing is guessed, CloudWatch alone decides.
    exec(
        &source,
        &format!("SELECT pg_create_logical_replication_slot('{OTHER_SLOT}', 'test_decoding')"),
    )
    .await;
    let unnamed = poll(slot(&source, None)).await;
    assert_eq!(
        (
            unnamed.phase,
            unnamed.cdc_lag_bytes,
            unnamed.cdc_lag_seconds
        ),
        (Phase::InSync, None, Some(1.0)),
        "{unnamed:?}"
    );
    // Named, the inactive one far behind is read (and is not in sync).
    exec(
        &source,
        "INSERT INTO t SELECT g, 'y' FROM generate_series(20001, 30000) g",
    )
    .await;
    let other = poll(slot(&source, Some(OTHER_SLOT))).await;
    assert_eq!(other.phase, Phase::CdcCatchingUp, "{other:?}");
    assert!(other.cdc_lag_bytes.unwrap() > 0, "{other:?}");
    // A named slot that does not exist: unavailable, CloudWatch alone.
    let missing = poll(slot(&source, Some("dmsflow_test_dms_slot_none"))).await;
    assert_eq!(missing.cdc_lag_bytes, None, "{missing:?}");

    consumer.kill().await.unwrap();
    consumer.wait().await.unwrap();
    drop_test_slots(&admin).await;
}
