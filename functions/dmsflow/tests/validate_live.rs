//! Validating while CDC runs: `pgbench -c 4` writes to the source through
//! native logical replication while `validate` runs. Five consecutive runs
//! find nothing different (rows in flight settle at the slot's position;
//! rows still changing are unverified and counted); a difference the load
//! does not touch is still found at its key; a hot row changed on the target
//! while replication is stopped is different, never excused as in flight.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::pgbench::{pgbench, url_for};

use common::native::{engine, poll_until, with_cleanup};
use common::*;
use dmsflow::contract::validate::RecheckBasis;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::{MigrationEngine, Phase, StartRequest};
use dmsflow::validate::model::{Status, TablesResult};
use dmsflow::validate::{SequencePolicy, ValidateOptions, Validator};
use std::process::Stdio;
use std::time::{Duration, Instant};

const DB: &str = "v_live";
/// pgbench creates its tables unqualified: search_path puts them here.
const SCHEMA: &str = "bench";

async fn run_pgbench(args: Vec<String>, url: String) {
    let out = tokio::process::Command::new(pgbench())
        .args(&args)
        .arg(&url)
        .env("PGOPTIONS", format!("-c search_path={SCHEMA}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("run pgbench (set PGBENCH to its path)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pgbench {args:?} failed:\n{text}");
    if let Some(line) = text.lines().find(|l| l.starts_with("tps")) {
        eprintln!("pgbench: {line}");
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// `pgbench -c 4 -T secs` on the source, in the background.
fn load(secs: u32) -> tokio::task::JoinHandle<()> {
    let a = args(&["-T", &secs.to_string(), "-c", "4", "-j", "2", "-n"]);
    tokio::spawn(run_pgbench(a, url_for("DMSFLOW_SOURCE_URL", DB)))
}

fn options() -> ValidateOptions {
    ValidateOptions {
        scope: dmsflow::scope::Scope::only(&[SCHEMA]),
        // During CDC sequences are not synced yet (pgbench_history's key).
        sequence_policy: SequencePolicy::Warn,
        rechecks: 3,
        position_wait: Duration::from_secs(10),
        ..ValidateOptions::default()
    }
}

/// The database checks' status and the tables' result.
async fn validate(
    source: &ConnectSpec,
    target: &ConnectSpec,
    opts: ValidateOptions,
) -> (Status, TablesResult) {
    let (plan, tables) = Validator::new(source.clone(), target.clone(), opts)
        .run(None, None)
        .await
        .expect("validate");
    (plan.status, tables)
}

/// pgbench's tables on both sides, the source loaded, pgbench_history keyed.
async fn pgbench_pair() -> (ConnectSpec, ConnectSpec) {
    clear_leftovers(DB).await;
    let source = fresh_db(&source_cluster(), DB).await;
    let target = fresh_db(&target_cluster(), DB).await;
    let schema_sql = format!("CREATE SCHEMA {SCHEMA}");
    exec(&source, &schema_sql).await;
    exec(&target, &schema_sql).await;
    run_pgbench(
        args(&["-i", "-s", "1", "-q"]),
        url_for("DMSFLOW_SOURCE_URL", DB),
    )
    .await;
    run_pgbench(
        args(&["-i", "-I", "dtp"]),
        url_for("DMSFLOW_TARGET_URL", DB),
    )
    .await;
    let history_key =
        format!("ALTER TABLE {SCHEMA}.pgbench_history ADD COLUMN hid bigserial PRIMARY KEY");
    exec(&source, &history_key).await;
    exec(&target, &history_key).await;
    (source, target)
}

#[tokio::test]
async fn validate_under_pgbench_load_through_native_replication() {
    let (source, target) = pgbench_pair().await;
    let engine = engine("vlive", &source, &target, SCHEMA);
    with_cleanup(&engine, async {
        engine.start(&StartRequest::default()).await.expect("start");
        poll_until(&engine, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;

        // 1. Five consecutive runs under load: nothing different.
        let loaded = load(60);
        let started = Instant::now();
        for run in 1..=5 {
            assert!(!loaded.is_finished(), "run {run} must start under load");
            let (plan, r) = validate(&source, &target, options()).await;
            assert_eq!(plan, Status::Identical, "run {run}: database checks");
            let hot: Vec<String> = r
                .tables
                .iter()
                .map(|t| format!("{}={}", t.table, t.unverified.count))
                .collect();
            eprintln!(
                "loaded run {run}: {} in {:.2} s at {:.1} s into the load; unverified {} ({})",
                r.status.as_str(),
                r.seconds,
                started.elapsed().as_secs_f64(),
                r.unverified_rows,
                hot.join(", ")
            );
            for t in &r.tables {
                assert!(
                    matches!(t.status, Status::Identical | Status::Unverified),
                    "run {run}: {} is {}: {t:#?}",
                    t.table,
                    t.status.as_str()
                );
                if let Some(rc) = &t.recheck {
                    assert_eq!(rc.basis, RecheckBasis::Position, "{rc:?}");
                    assert_eq!(rc.slot.as_deref(), Some("sub_vlive"), "{rc:?}");
                }
            }
        }

        // 2. A row pgbench never touches, only on the target: found at its key.
        exec(
            &target,
            "INSERT INTO bench.pgbench_accounts VALUES (900000001, 1, 0, 'target only')",
        )
        .await;
        let (_, r) = validate(&source, &target, options()).await;
        let accounts = r
            .tables
            .iter()
            .find(|t| t.table == "pgbench_accounts")
            .unwrap();
        assert_eq!(accounts.status, Status::Different, "{accounts:#?}");
        assert_eq!(accounts.differences.count, 1, "{accounts:#?}");
        assert_eq!(
            accounts.differences.sample[0].key,
            Some(vec!["900000001".to_owned()])
        );
        loaded.await.unwrap();
        exec(
            &target,
            "DELETE FROM bench.pgbench_accounts WHERE aid = 900000001",
        )
        .await;

        // 3. Replication stopped, a hot row changed on the target while the
        // load goes on: different (the target cannot reach the position),
        // never in flight.
        exec(&target, "ALTER SUBSCRIPTION sub_vlive DISABLE").await;
        exec(
            &target,
            "UPDATE bench.pgbench_branches SET filler = 'injected' WHERE bid = 1",
        )
        .await;
        let loaded = load(15);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let opts = ValidateOptions {
            position_wait: Duration::from_secs(2),
            ..options()
        };
        let (_, r) = validate(&source, &target, opts).await;
        loaded.await.unwrap();
        let branches = r
            .tables
            .iter()
            .find(|t| t.table == "pgbench_branches")
            .unwrap();
        assert_eq!(branches.status, Status::Different, "{branches:#?}");
        assert_eq!(branches.unverified.count, 0, "{branches:#?}");
        assert!(
            branches
                .differences
                .sample
                .iter()
                .any(|d| d.key == Some(vec!["1".to_owned()])),
            "{branches:#?}"
        );
        let note = &branches.recheck.as_ref().expect("re-checked").note;
        assert!(note.contains("inactive"), "{note}");
        exec(&target, "ALTER SUBSCRIPTION sub_vlive ENABLE").await;
    })
    .await;
}

/// Lag that means what it says: while the target cannot apply a burst (a
/// lock holds its table), `poll` never says `in-sync`, however small the
/// walsender's own reply lag reads; once applied, it does, and the rows are
/// all there.
#[tokio::test]
async fn a_burst_the_target_has_not_applied_is_never_in_sync() {
    const LAG_DB: &str = "v_lag";
    clear_leftovers(LAG_DB).await;
    let source = fresh_db(&source_cluster(), LAG_DB).await;
    let target = fresh_db(&target_cluster(), LAG_DB).await;
    let ddl = "CREATE SCHEMA lag; CREATE TABLE lag.burst (id int PRIMARY KEY, v text)";
    exec(&source, ddl).await;
    exec(&target, ddl).await;
    let engine = engine("vlag", &source, &target, "lag");
    with_cleanup(&engine, async {
        engine.start(&StartRequest::default()).await.expect("start");
        poll_until(&engine, Duration::from_secs(60), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;
        let blocker = target.connect("dmsflow-test-lock").await.unwrap();
        blocker
            .batch_execute("BEGIN; LOCK TABLE lag.burst IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        exec(
            &source,
            "INSERT INTO lag.burst SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for _ in 0..3 {
            let p = engine.poll(1.0).await.expect("poll");
            assert_ne!(
                p.phase,
                Phase::InSync,
                "the target lacks 5000 committed rows older than 1 s: {}",
                serde_json::to_string_pretty(&p).unwrap()
            );
            assert!(p.cdc_lag_bytes.unwrap_or(0) > 0, "{p:?}");
            assert!(p.cdc_lag_seconds.unwrap_or(0.0) >= 1.0, "{p:?}");
        }
        blocker.batch_execute("ROLLBACK").await.unwrap();
        poll_until(
            &engine,
            Duration::from_secs(60),
            "in-sync after the burst",
            |p| p.phase == Phase::InSync,
        )
        .await;
        assert_eq!(
            query_i64(&target, "SELECT count(*) FROM lag.burst").await,
            5000
        );
    })
    .await;
}
