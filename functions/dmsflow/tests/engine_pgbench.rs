//! The native engine under a real client's load: `pgbench` (PostgreSQL's own
//! benchmark client) writes to the source for 30 s with 4 clients while the
//! subscription copies and then streams; once `poll` says `in-sync`, every
//! table's row count and contents match on both sides.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::pgbench::{pgbench, url_for};

use common::*;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::native::{NativeEngine, NativeSettings};
use dmsflow::engine::{MigrationEngine, Phase, StartRequest};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

const DB: &str = "eng_pgbench";
/// pgbench creates its tables unqualified: search_path puts them here.
const SCHEMA: &str = "bench";

async fn run_pgbench(args: &[&str], url: &str) {
    let out = tokio::process::Command::new(pgbench())
        .args(args)
        .arg(url)
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
    if let Some(line) = text
        .lines()
        .find(|l| l.starts_with("tps") || l.contains("transactions actually processed"))
    {
        eprintln!("pgbench: {line}");
    }
}

async fn table_fingerprint(spec: &ConnectSpec, table: &str, key: &str) -> (i64, String) {
    let client = spec.connect("dmsflow-test").await.unwrap();
    let row = client
        .query_one(
            &format!(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY {key})), '') FROM {SCHEMA}.{table} t"
            ),
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn pgbench_load_during_replication_ends_identical() {
    clear_leftovers(DB).await;
    let source = fresh_db(&source_cluster(), DB).await;
    let target = fresh_db(&target_cluster(), DB).await;
    let schema_sql = format!("CREATE SCHEMA {SCHEMA}");
    exec(&source, &schema_sql).await;
    exec(&target, &schema_sql).await;
    // Source: tables, data, vacuum, primary keys. Target: tables and keys only.
    run_pgbench(&["-i", "-s", "2", "-q"], &url_for("DMSFLOW_SOURCE_URL", DB)).await;
    run_pgbench(&["-i", "-I", "dtp"], &url_for("DMSFLOW_TARGET_URL", DB)).await;
    // pgbench_history has no key. pgbench only INSERTs into it, which
    // replicates without a replica identity; dmsflow still refuses to publish a
    // table whose UPDATE/DELETE would then fail on the source, and the
    // comparison below wants a key. pgbench names its columns, so a new one is fine.
    let history_key =
        format!("ALTER TABLE {SCHEMA}.pgbench_history ADD COLUMN hid bigserial PRIMARY KEY");
    exec(&source, &history_key).await;
    exec(&target, &history_key).await;

    let engine = NativeEngine::new(
        source.clone(),
        target.clone(),
        NativeSettings {
            scope: dmsflow::scope::Scope::only(&[SCHEMA]),
            publication: "pub_pgbench".into(),
            subscription: "sub_pgbench".into(),
            source_sslmode: "verify-full".into(),
            source_sslrootcert: Some(PathBuf::from(env_or_panic("DMSFLOW_PG_CA"))),
        },
    );
    let body = async {
        engine.start(&StartRequest::default()).await.expect("start");
        // 30 s of TPC-B-like load by 4 clients while the copy runs and CDC follows.
        let load_started = Instant::now();
        let source_url = url_for("DMSFLOW_SOURCE_URL", DB);
        let load = run_pgbench(&["-T", "30", "-c", "4", "-j", "2", "-n"], &source_url);
        let watch = async {
            let mut phases = Vec::new();
            while load_started.elapsed() < Duration::from_secs(29) {
                let p = engine.poll(5.0).await.expect("poll during load");
                if phases.last() != Some(&p.phase) {
                    eprintln!(
                        "[{:>5.1}s] {} lag {:?} s / {:?} bytes",
                        load_started.elapsed().as_secs_f64(),
                        p.phase.as_str(),
                        p.cdc_lag_seconds,
                        p.cdc_lag_bytes
                    );
                    phases.push(p.phase);
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            phases
        };
        let ((), phases) = tokio::join!(load, watch);
        assert!(!phases.contains(&Phase::Failed), "{phases:?}");
        let history = query_i64(&source, "SELECT count(*) FROM bench.pgbench_history").await;
        assert!(history > 100, "pgbench wrote only {history} transactions");

        let deadline = Instant::now() + Duration::from_secs(180);
        let p = loop {
            let p = engine.poll(5.0).await.expect("poll");
            if p.phase == Phase::InSync && p.cdc_lag_bytes == Some(0) {
                break p;
            }
            assert!(
                Instant::now() < deadline,
                "not in sync: {}",
                serde_json::to_string_pretty(&p).unwrap()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        eprintln!(
            "in sync {:.1} s after the load started",
            load_started.elapsed().as_secs_f64()
        );
        assert_eq!(p.tables.total, 4);
        for (table, key) in [
            ("pgbench_accounts", "aid"),
            ("pgbench_branches", "bid"),
            ("pgbench_tellers", "tid"),
            ("pgbench_history", "hid"),
        ] {
            let s = table_fingerprint(&source, table, key).await;
            let t = table_fingerprint(&target, table, key).await;
            assert_eq!(
                s, t,
                "{table}: (rows, md5) differ between source and target"
            );
            assert!(s.0 > 0, "{table} is empty");
        }
        // The balances pgbench moved add up the same on both sides.
        let sum = "SELECT sum(abalance)::int8 FROM bench.pgbench_accounts";
        assert_eq!(query_i64(&source, sum).await, query_i64(&target, sum).await);
    };
    let outcome = AssertUnwindSafe(body).catch_unwind().await;
    if let Err(e) = engine.stop().await {
        eprintln!("cleanup: stop failed: {e}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
